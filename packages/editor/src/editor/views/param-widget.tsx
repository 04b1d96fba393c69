/**
 * One parameter's control, chosen by the catalog's `widget`: text fields and prompt text areas,
 * numbers with their ranges, sliders (strengths), seeds with randomize/fixed, toggles, dropdowns for
 * enums and for server-listed files, and JSON. Pointer and wheel events stop here so editing a value
 * never drags or zooms the canvas.
 */
import { useEffect, useState, type ReactNode, type SyntheticEvent } from 'react';
import type { CatalogParam } from '../../api/types.ts';
import type { LoomNode } from '../loom-node.ts';
import type { NodeEnv } from '../node-env.ts';
import { numberProblem, numberSpec, randomSeed, type NumberSpec } from './widget-math.ts';

interface Props {
  node: LoomNode;
  param: CatalogParam;
  env: NodeEnv;
}

const stop = (e: SyntheticEvent) => e.stopPropagation();
/** Props that keep canvas gestures out of a control. */
export const isolate = { onPointerDown: stop, onDoubleClick: stop, onWheel: stop };

export function ParamWidget({ node, param, env }: Props): ReactNode {
  const value = node.values[param.name];
  const set = (v: unknown) => env.setParam(node, param.name, v);
  const widget = param.widget;
  const label = `${node.type}.${param.name}`;
  if (typeof widget === 'object') return <FileSelect folder={widget.file} value={value} set={set} env={env} label={label} />;
  switch (widget) {
    case 'textarea':
      return (
        <textarea
          className="w-textarea"
          aria-label={label}
          rows={4}
          value={String(value ?? '')}
          placeholder={param.description}
          onChange={(e) => set(e.target.value)}
          {...isolate}
        />
      );
    case 'text':
      return <input className="w-text" aria-label={label} value={String(value ?? '')} onChange={(e) => set(e.target.value)} {...isolate} />;
    case 'toggle':
      return <input className="w-toggle" aria-label={label} type="checkbox" checked={value === true} onChange={(e) => set(e.target.checked)} {...isolate} />;
    case 'select':
      return <EnumSelect param={param} value={value} set={set} label={label} />;
    case 'slider':
      return <Slider spec={numberSpec(param)} value={value} set={set} label={label} />;
    case 'seed':
      return <Seed node={node} param={param} env={env} label={label} />;
    case 'json':
      return <JsonField value={value} set={set} label={label} />;
    default:
      return <NumberField spec={numberSpec(param)} value={value} set={set} label={label} />;
  }
}

function EnumSelect({ param, value, set, label }: { param: CatalogParam; value: unknown; set(v: unknown): void; label: string }) {
  const options = Array.isArray(param.schema.enum) ? (param.schema.enum as unknown[]) : [];
  const index = options.findIndex((o) => o === value);
  return (
    <select className="w-select" aria-label={label} value={index} onChange={(e) => set(options[Number(e.target.value)])} {...isolate}>
      {index < 0 && <option value={-1}>{String(value ?? '—')} (invalid)</option>}
      {options.map((o, i) => (
        <option key={String(o)} value={i}>
          {String(o)}
        </option>
      ))}
    </select>
  );
}

function FileSelect({ folder, value, set, env, label }: { folder: string; value: unknown; set(v: unknown): void; env: NodeEnv; label: string }) {
  const files = env.fileOptions(folder);
  const current = typeof value === 'string' ? value : '';
  const missing = current !== '' && !files.includes(current);
  const upload = async (file: File | undefined) => {
    if (file) set(await env.uploadImage(file));
  };
  return (
    <span className="w-file">
      <select className="w-select" aria-label={label} value={current} onChange={(e) => set(e.target.value)} {...isolate}>
        {current === '' && <option value="">{files.length ? 'choose…' : `no files in ${folder}`}</option>}
        {missing && <option value={current}>{current} (missing)</option>}
        {files.map((f) => (
          <option key={f} value={f}>
            {f}
          </option>
        ))}
      </select>
      {folder === 'input' && (
        <label className="w-upload" title="Upload an image" {...isolate}>
          ⤒<input type="file" accept="image/*" hidden onChange={(e) => void upload(e.target.files?.[0])} />
        </label>
      )}
    </span>
  );
}

/** Keeps what the user is typing (e.g. "-" or "1.") until it parses. */
function useDraft(value: unknown): [string, (s: string) => void] {
  const [draft, setDraft] = useState(String(value ?? ''));
  useEffect(() => setDraft(String(value ?? '')), [value]);
  return [draft, setDraft];
}

function NumberField({ spec, value, set, label }: { spec: NumberSpec; value: unknown; set(v: unknown): void; label: string }) {
  const [draft, setDraft] = useDraft(value);
  const problem = typeof value === 'number' ? numberProblem(value, spec) : value === undefined ? null : 'Not a number.';
  return (
    <input
      className={`w-number${problem ? ' invalid' : ''}`}
      aria-label={label}
      type="number"
      title={problem ?? `${spec.min ?? '−∞'} … ${spec.max ?? '∞'}`}
      min={spec.min}
      max={spec.max}
      step={spec.step}
      value={draft}
      onChange={(e) => {
        setDraft(e.target.value);
        const n = e.target.valueAsNumber;
        if (Number.isFinite(n)) set(n);
      }}
      {...isolate}
    />
  );
}

function Slider({ spec, value, set, label }: { spec: NumberSpec; value: unknown; set(v: unknown): void; label: string }) {
  const n = typeof value === 'number' ? value : spec.soft[0];
  // A typed value outside the slider's useful span widens it rather than pinning the knob at an end.
  const [lo, hi] = [Math.min(spec.soft[0], n), Math.max(spec.soft[1], n)];
  return (
    <span className="w-slider">
      <input
        type="range"
        aria-label={`${label} slider`}
        min={lo}
        max={hi}
        step={spec.step}
        value={n}
        onChange={(e) => set(e.target.valueAsNumber)}
        {...isolate}
      />
      <NumberField spec={spec} value={value} set={set} label={label} />
    </span>
  );
}

function Seed({ node, param, env, label }: { node: LoomNode; param: CatalogParam; env: NodeEnv; label: string }) {
  const spec = numberSpec(param);
  const mode = node.seedMode(param.name);
  return (
    <span className="w-seed">
      <NumberField spec={spec} value={node.values[param.name]} set={(v) => env.setParam(node, param.name, v)} label={label} />
      <button
        className="w-dice"
        title="New random seed now"
        aria-label={`${label} randomize now`}
        onClick={() => env.setParam(node, param.name, randomSeed(spec))}
        {...isolate}
      >
        ↻
      </button>
      <select
        className="w-seedmode"
        aria-label={`${label} mode`}
        title="Before each run: keep this seed, or draw a new one"
        value={mode}
        onChange={(e) => env.setSeedMode(node, param.name, e.target.value === 'randomize' ? 'randomize' : 'fixed')}
        {...isolate}
      >
        <option value="fixed">fixed</option>
        <option value="randomize">random</option>
      </select>
    </span>
  );
}

function JsonField({ value, set, label }: { value: unknown; set(v: unknown): void; label: string }) {
  const [draft, setDraft] = useDraft(value === undefined ? '' : JSON.stringify(value));
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <textarea
      className={`w-textarea${problem ? ' invalid' : ''}`}
      aria-label={label}
      rows={3}
      title={problem ?? 'JSON value'}
      value={draft}
      onChange={(e) => {
        setDraft(e.target.value);
        try {
          set(JSON.parse(e.target.value));
          setProblem(null);
        } catch (err) {
          setProblem(`Not valid JSON yet: ${(err as Error).message}`);
        }
      }}
      {...isolate}
    />
  );
}
