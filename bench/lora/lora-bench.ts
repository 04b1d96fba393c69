/**
 * LoRA apply / switch cost against a cold model load, for the tiny SD1.5 UNet and (when generated,
 * see tools/tiny-sd/README.md) the SD1.5-size random UNet. Techniques compared:
 * - recreate: `LoraMerger.patch` (touched initializers inlined) + a new InferenceSession per switch;
 * - switcher: `LoraSwitcher` (touched weights as graph inputs, one session, new feeds per switch);
 * - branches: `LoraBranchSession` (base weights constant, LoRA factors as inputs of added low-rank branches).
 * Step times are compared with the step of the merged (recreated) session, which does the same math.
 * Writes bench/results/lora.json. Usage: `node --import tsx bench/lora/lora-bench.ts [tiny|large]`
 * (the large case needs `tools/tiny-sd/make_full_unet.py` and `make_full_lora.py` run first).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { LoraPatcher, type LoraSpec } from '../../packages/nodes/src/sd/lora/lora-patcher.ts';
import { LoraMerger } from './lora-merger.ts';
import { LoraSwitcher } from './lora-switcher.ts';
import { LoraBranchSession } from '../../packages/nodes/src/sd/lora/lora-branch-session.ts';
import { mergeSessionOptions } from '../../packages/nodes/src/sd/lora/session-options.ts';
import { withSafetensors } from '../../packages/nodes/src/safetensors/safetensors-file.ts';
import { writeSafetensors } from '../../packages/nodes/src/safetensors/test-writer.ts';
import { median, writeResult, type Figure } from '../lib/report.ts';
import { unetInputs } from './unet-inputs.ts';

interface Case {
  /** `tiny` or `large`: the command-line filter. */
  readonly key: string;
  readonly name: string;
  readonly unet: string;
  /** Two LoRAs for the same base (a switch goes from the first to the second); a missing second
   * one is derived from the first (same keys, negated up factors) in a temp folder. */
  readonly loras: readonly [string, string | undefined];
  readonly batch: number;
  readonly latent: number;
  readonly runs: number;
  /** Repeats of each load / switch measurement (medians are reported). */
  readonly repeats: number;
}

const repo = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const CASES: Case[] = [
  {
    key: 'tiny',
    name: 'tiny SD1.5 UNet',
    unet: repo('models/tiny-sd15/unet/model.onnx'),
    loras: [repo('models/loras/tiny-sd15/pytorch_lora_weights_4.safetensors'), repo('models/loras/tiny-sd15/pytorch_lora_weights_16.safetensors')],
    batch: 2,
    latent: 8,
    runs: 15,
    repeats: 5,
  },
  {
    key: 'large',
    name: 'SD1.5-size random UNet',
    unet: repo('models/_large/sd15-unet-random/unet/model.onnx'),
    loras: [repo('models/_large/sd15-unet-random/loras/pytorch_lora_weights_16.safetensors'), undefined],
    batch: 1,
    latent: 32,
    runs: 4,
    repeats: 1,
  },
];

const ms = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

async function steps(run: () => Promise<unknown>, n: number): Promise<number> {
  await run(); // first run allocates arenas
  const t: number[] = [];
  for (let i = 0; i < n; i++) t.push(await ms(run));
  return median(t);
}

/** Writes a second LoRA with the keys of `file` and negated `up` factors (a genuine switch target). */
async function derivedLora(file: string): Promise<string> {
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  await withSafetensors(file, async (st) => {
    for (const k of st.names()) {
      const data = await st.readFloat32(k);
      tensors[k] = { shape: [...st.info(k)!.shape], data: /up\.weight$|lora_B/.test(k) ? data.map((v) => -v) : data };
    }
  });
  const out = join(mkdtempSync(join(tmpdir(), 'loom-lora-bench-')), 'derived.safetensors');
  writeSafetensors(out, tensors);
  return out;
}

/** Median of `n` timings of `fn`. */
async function repeat(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < n; i++) t.push(await ms(() => fn(i)));
  return median(t);
}

async function bench(c: Case): Promise<Figure[]> {
  console.log(`\n${c.name}: ${c.unet}`);
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  // onnxruntime's one-time environment setup is not part of any model load.
  await (await ort.InferenceSession.create(c.unet, options)).release();
  let base!: ort.InferenceSession;
  const cold = await repeat(c.repeats, async (i) => {
    if (i > 0) await base.release();
    base = await ort.InferenceSession.create(c.unet, options);
  });
  const feeds = unetInputs(base, c.batch, c.latent);
  const baseStep = await steps(() => base.run(feeds), c.runs);
  await base.release();
  const a = c.loras[0];
  const b = c.loras[1] ?? (await derivedLora(a));
  const specA: LoraSpec[] = [{ file: a, strength: 1 }];
  const specB: LoraSpec[] = [{ file: b, strength: 1 }];

  // Technique 1: patched model + new session for every change.
  const merger = await LoraMerger.open(c.unet);
  let touched = 0;
  let merged: ort.InferenceSession | undefined;
  const recreate = async (spec: LoraSpec[]): Promise<number> =>
    ms(async () => {
      const p = await merger.patch(spec);
      touched = p.report.touched.length;
      await merged?.release();
      merged = await ort.InferenceSession.create(p.model, mergeSessionOptions(p.sessionOptions, options));
    });
  const recreateFirst = await recreate(specA);
  const recreateSwitch = await repeat(c.repeats, (i) => recreate(i % 2 ? specA : specB));
  const mergedStep = await steps(() => merged!.run(feeds), c.runs);
  await merged?.release();

  // Techniques 2 and 3: one long-lived session, new feeds per switch.
  const fast = async (label: string, make: (p: LoraPatcher) => Promise<LoraSwitcher | LoraBranchSession>): Promise<Figure[]> => {
    let s!: LoraSwitcher | LoraBranchSession;
    const create = await ms(async () => {
      s = await make(await LoraPatcher.open(c.unet));
    });
    const switchLora = await repeat(c.repeats, (i) => s.apply(i % 2 ? specA : specB));
    const switchStrength = await repeat(c.repeats, (i) => s.apply([{ file: b, strength: i % 2 ? 1 : 0.5 }]));
    const step = await steps(() => s.run(feeds), c.runs);
    await s.release();
    return [
      { metric: `${p} ${label}: session + first LoRA apply`, value: create, unit: 'ms', baseline: cl },
      { metric: `${p} ${label}: LoRA switch`, value: switchLora, unit: 'ms', baseline: cl, goal: goal(switchLora) },
      { metric: `${p} ${label}: strength change`, value: switchStrength, unit: 'ms', baseline: cl, goal: goal(switchStrength) },
      { metric: `${p} ${label}: step`, value: step, unit: 'ms', baseline: { name: 'merged step', value: mergedStep } },
    ];
  };
  const cl = { name: 'cold load', value: cold };
  const goal = (v: number): Figure['goal'] => ({ text: '≤ 10% of cold load', met: v <= 0.1 * cold });
  const p = `${c.name}:`;
  const switcher = await fast('switcher (weights as inputs)', (pt) => LoraSwitcher.create(pt, options, specA));
  const branches = await fast('branches (low-rank inputs)', (pt) => LoraBranchSession.create(pt, options, specA));

  // On a shared machine sequential step timings drift; alternate merged, branch and switcher steps.
  const p1 = await merger.patch(specA);
  const m = await ort.InferenceSession.create(p1.model, mergeSessionOptions(p1.sessionOptions, options));
  const br = await LoraBranchSession.create(await LoraPatcher.open(c.unet), options, specA);
  const sw = await LoraSwitcher.create(await LoraPatcher.open(c.unet), options, specA);
  await m.run(feeds);
  await br.run(feeds);
  await sw.run(feeds);
  const ratios: number[] = [];
  const swRatios: number[] = [];
  for (let i = 0; i < 2 * c.runs; i++) {
    const tm = await ms(() => m.run(feeds));
    ratios.push((await ms(() => br.run(feeds))) / tm);
    swRatios.push((await ms(() => sw.run(feeds))) / tm);
  }
  await m.release();
  await br.release();
  await sw.release();
  return [
    { metric: `${p} cold load (InferenceSession.create from path)`, value: cold, unit: 'ms' },
    { metric: `${p} step, base session (batch ${c.batch}, latent ${c.latent}²)`, value: baseStep, unit: 'ms' },
    { metric: `${p} recreate: first LoRA apply (${touched} weights)`, value: recreateFirst, unit: 'ms', baseline: cl },
    { metric: `${p} recreate: LoRA switch`, value: recreateSwitch, unit: 'ms', baseline: cl, goal: goal(recreateSwitch) },
    { metric: `${p} recreate: step (merged weights)`, value: mergedStep, unit: 'ms', baseline: { name: 'base step', value: baseStep } },
    ...switcher,
    ...branches,
    { metric: `${p} branches step ÷ merged step, alternating runs (median of ${2 * c.runs})`, value: median(ratios), unit: '×' },
    { metric: `${p} switcher step ÷ merged step, alternating runs (median of ${2 * c.runs})`, value: median(swRatios), unit: '×' },
  ];
}

const only = process.argv[2];
// Figures of cases not run now (filtered out or missing models) are kept from the previous results.
const previous = new URL('../results/lora.json', import.meta.url);
let figures: Figure[] = existsSync(previous) ? (JSON.parse(readFileSync(previous, 'utf8')) as { figures: Figure[] }).figures : [];
for (const c of CASES) {
  if (only && c.key !== only) continue;
  const missing = [c.unet, ...c.loras].filter((p): p is string => p !== undefined && !existsSync(p));
  if (missing.length) {
    console.log(`skipping ${c.name}: missing ${missing.join(', ')}`);
    continue;
  }
  const fresh = await bench(c);
  figures = [...figures.filter((f) => !f.metric.startsWith(`${c.name}:`)), ...fresh];
}
writeResult('lora', 'LoRA apply and switch vs cold load', figures);
