/**
 * A node on the canvas: header with its state, typed sockets, parameter controls, and what the last
 * run and validation said: step progress, live preview, result images or text, and problems marked on
 * the node and on the input at fault.
 */
import { useLayoutEffect, useRef, type ReactNode } from 'react';
import { Presets, type RenderEmit } from 'rete-react-plugin';
import type { CatalogParam, Problem } from '../../api/types.ts';
import { NODE_COLORS, type LoomNode, type Schemes } from '../loom-node.ts';
import type { NodeEnv } from '../node-env.ts';
import { isolate, ParamWidget } from './param-widget.tsx';
import { RunBadge, RunOutputs } from './run-display.tsx';

const { RefSocket } = Presets.classic;

interface Props {
  data: LoomNode;
  emit: RenderEmit<Schemes>;
  env: NodeEnv;
}

function Problems({ list }: { list: Problem[] }): ReactNode {
  if (list.length === 0) return null;
  return (
    <ul className="node-problems" data-testid="node-problems">
      {list.map((p, i) => (
        <li key={i} title={p.code}>
          {p.message}
        </li>
      ))}
    </ul>
  );
}

export function NodeView({ data: node, emit, env }: Props): ReactNode {
  const root = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = root.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      // A hidden view (its layer is hidden while a graph loads) measures 0: keep the last size.
      if (el.offsetHeight === 0 || (el.offsetHeight === node.height && el.offsetWidth === node.width)) return;
      node.height = el.offsetHeight;
      env.sizeChanged(node);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [node, env]);

  const entry = node.entry;
  const status = node.run.status;
  const { collapsed, color } = node.look();
  const palette = color ? NODE_COLORS[color] : undefined;
  const classes = [
    'loom-node',
    `status-${status}`,
    node.selected ? 'selected' : '',
    node.problems.length > 0 ? 'has-problems' : '',
    entry ? '' : 'unknown-type',
    node.mode ? `mode-${node.mode}` : '',
    collapsed ? 'collapsed' : '',
  ];
  const socket = (side: 'input' | 'output', key: string, small = false) => {
    const port = side === 'input' ? node.inputs[key] : node.outputs[key];
    if (!port) return <span className="socket-gap" />;
    return (
      <RefSocket
        name={`socket-ref ${side}${small ? ' small' : ''}`}
        side={side}
        socketKey={key}
        nodeId={node.id}
        emit={emit}
        payload={port.socket}
        data-testid={`socket-${side}-${key}`}
      />
    );
  };
  const paramRow = (param: CatalogParam) => {
    const linked = env.linkedFrom(node.id, param.name);
    const problems = node.problemsAt(param.name);
    return (
      <div key={param.name} className={`node-row param${problems.length ? ' problem' : ''}`} data-input={param.name} title={param.description}>
        {socket('input', param.name, true)}
        <label className="row-label">{param.name}</label>
        {linked ? <span className="linked">← {linked}</span> : <span className="row-control">{<ParamWidget node={node} param={param} env={env} />}</span>}
        <Problems list={problems} />
      </div>
    );
  };

  return (
    <div
      ref={root}
      className={classes.filter(Boolean).join(' ')}
      style={{ width: node.width, ...(palette && { background: palette.body }) }}
      data-node-id={node.id}
      data-node-type={node.type}
      data-mode={node.mode}
      data-testid="node"
    >
      <div className="node-header" title={entry?.description ?? 'Unknown node type'} style={palette && { background: palette.header }}>
        <button
          className="node-collapse"
          title={collapsed ? 'Expand' : 'Collapse'}
          aria-label={collapsed ? 'Expand node' : 'Collapse node'}
          data-testid="node-collapse"
          onClick={() => env.changeLook([node], { collapsed: collapsed ? undefined : true })}
          {...isolate}
        >
          {collapsed ? '▸' : '▾'}
        </button>
        <span className="node-title">{node.title ?? node.type}</span>
        {node.mode && <span className="mode-tag">{node.mode === 'bypass' ? 'bypassed' : 'muted'}</span>}
        <span className="node-id">{node.id}</span>
        <RunBadge run={node.run} />
      </div>
      {status === 'running' && node.run.max ? (
        <div className="node-progress" data-testid="node-progress" title={`${node.run.value ?? 0} / ${node.run.max}`}>
          <div style={{ width: `${(100 * (node.run.value ?? 0)) / node.run.max}%` }} />
          <span>
            {node.run.value ?? 0}/{node.run.max}
          </span>
        </div>
      ) : null}
      <div className="node-body">
        {entry?.outputs.map((o) => (
          <div key={o.name} className="node-row output" title={o.type}>
            <span className="row-label">{o.name}</span>
            <span className="type-tag">{o.type}</span>
            {socket('output', o.name)}
          </div>
        ))}
        {entry?.inputs.map((i) => {
          const problems = node.problemsAt(i.name);
          return (
            <div key={i.name} className={`node-row port${problems.length ? ' problem' : ''}`} data-input={i.name} title={i.description}>
              {socket('input', i.name)}
              <span className="row-label">
                {i.name}
                {i.optional ? '?' : ''}
              </span>
              <span className="type-tag">{i.type}</span>
              <Problems list={problems} />
            </div>
          );
        })}
        {/* Collapsed, a node keeps its sockets (links still attach) and hides its controls and outputs. */}
        {entry?.params.filter((p) => !collapsed || env.linkedFrom(node.id, p.name)).map(paramRow)}
        {!collapsed &&
          Object.entries(node.extraInputs).map(([name, value]) => (
            <div key={name} className={`node-row extra${node.problemsAt(name).length ? ' problem' : ''}`} data-input={name}>
              <label className="row-label">{name}</label>
              <code className="extra-value" {...isolate}>
                {JSON.stringify(value)}
              </code>
              <Problems list={node.problemsAt(name)} />
            </div>
          ))}
      </div>
      {!collapsed && <RunOutputs node={node} env={env} />}
      <Problems list={node.problemsAt(undefined)} />
    </div>
  );
}
