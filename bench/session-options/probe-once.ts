/**
 * One UNet session with one variant of Loom's session options, in a fresh process, so its peak RSS is its
 * own: `node --import tsx probe-once.ts <model.onnx> <variant> <latent> <calls>`. Opens the session with
 * Loom's options (`sessionOptions`, CPU, 2 threads, no cache) and the variant's change, runs `calls` CFG
 * steps (batch 2) and prints one JSON line: load seconds, each call's seconds, the peak RSS (the kernel's
 * VmHWM, which catches transient peaks that sampling `rss` misses) and the weights' bytes on disk.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { createFrom } from '../../packages/nodes/src/runtime/optimized-model-cache.ts';
import { modelFingerprint, modelSource, sessionOptions } from '../../packages/nodes/src/runtime/session.ts';
import { variantOptions, VARIANTS, type Variant } from './variants.ts';
import { timeRun, unetFeeds } from '../throughput/unet-step.ts';

export interface ProbeSample {
  variant: Variant;
  loadSeconds: number;
  /** The warm-up call's seconds (variant `warmup` only). */
  warmupSeconds: number;
  callSeconds: number[];
  peakRssGiB: number;
  weightsGB: number;
}

/** Peak resident set size of this process so far, GiB (Linux /proc; `rss` now elsewhere). */
function peakRssGiB(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) / 1024 ** 2;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss / 1024 ** 3;
}

const [model, variantArg, latentArg, callsArg] = process.argv.slice(2);
if (!model || !VARIANTS.includes(variantArg as Variant)) throw new Error(`usage: probe-once.ts <model.onnx> ${VARIANTS.join('|')} <latent> <calls>`);
const variant = variantArg as Variant;
const latent = Number(latentArg ?? 64);
const calls = Number(callsArg ?? 3);
const base = sessionOptions('cpu', 2);
const change = variantOptions(variant);
const options: ort.InferenceSession.SessionOptions = {
  ...base,
  ...change,
  extra: { session: { ...(change.extra as { session?: object } | undefined)?.session } },
};
const t0 = performance.now();
const session = await createFrom(modelSource(model, variant === 'int8' ? 'int8' : 'fp32'), options);
const loadSeconds = (performance.now() - t0) / 1000;
// The warm-up: one call at an 8×8 latent (every weight touched, ~1/64 of the work) right after loading.
const warmupSeconds = variant === 'warmup' ? await timeRun(session, unetFeeds(session, 8)) : 0;
const feeds = unetFeeds(session, latent);
const halves = variant === 'cfg-split' ? [0, 1].map((row) => batchRow(feeds, row)) : [];
const callSeconds: number[] = [];
for (let i = 0; i < calls; i++) {
  // cfg-split: the uncond and cond rows as two batch-1 calls, one CFG step between them.
  callSeconds.push(halves.length > 0 ? (await timeRun(session, halves[0]!)) + (await timeRun(session, halves[1]!)) : await timeRun(session, feeds));
}
const sample: ProbeSample = {
  variant,
  loadSeconds,
  warmupSeconds,
  callSeconds,
  peakRssGiB: peakRssGiB(),
  weightsGB: (await modelFingerprint(model)).bytes / 1e9,
};
console.log(JSON.stringify(sample));

/** Row `row` of every batch-2 feed, as batch-1 tensors. */
function batchRow(batch: Record<string, ort.Tensor>, row: number): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(batch)) {
    const size = t.size / 2;
    const data = (t.data as Float32Array | BigInt64Array).slice(row * size, (row + 1) * size);
    out[name] = new ort.Tensor(t.type as 'float32', data as Float32Array, [1, ...t.dims.slice(1)]);
  }
  return out;
}
await session.release();
