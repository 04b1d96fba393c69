/**
 * UNet throughput on the SD1.5-size random UNet, against onnxruntime's MatMul peak on this machine
 * measured in the same run, and the session-option sweep behind the defaults in
 * packages/nodes/src/runtime/session.ts.
 *
 * Plan (≈ 15 min on 2 cores): MatMul 2048³ with 1 and 2 threads; the optimized-model cache primed
 * for levels all/extended/basic (one cold optimization each, in `.loom/ort-cache`); each sweep
 * configuration opened once and timed on a CFG step (batch 2) at a 32×32 latent — one first call, then
 * the median of 3; Loom's defaults timed before and after the sweep (their mean is the baseline, so
 * drifting load on a shared machine hits both sides); finally one 64×64 confirmation of the defaults,
 * whose GFLOP/s use 0.803 TFLOP per sample-step.
 * Env: LOOM_BENCH_LARGE=0 skips it (keeping the last result); LOOM_BENCH_SWEEP_LATENT sets the sweep size.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { modelFingerprint } from '../../packages/nodes/src/runtime/session.ts';
import { cacheEntryDir, createWithOptimizedCache } from '../../packages/nodes/src/runtime/optimized-model-cache.ts';
import { writeResult, type Figure } from '../lib/report.ts';
import { LARGE_UNET, SD15_TFLOP_PER_SAMPLE_STEP, largeSkipReason, waitForQuietMachine } from './large-model.ts';
import { matmulPeak } from './matmul-peak.ts';
import { DEFAULT_CONFIG, SWEEP, withDefaults, type SweepConfig } from './sweep-configs.ts';
import { timeSteps, unetFeeds, type StepTiming } from './unet-step.ts';

const skip = largeSkipReason();
if (skip) {
  console.log(`(skipping the throughput bench: ${skip}; bench/results/throughput.json keeps its last result)`);
  process.exit(0);
}
await waitForQuietMachine();

const cacheDir = fileURLToPath(new URL('../../.loom/ort-cache', import.meta.url));
const fingerprint = (await modelFingerprint(LARGE_UNET)).key;
const SWEEP_LATENT = Number(process.env.LOOM_BENCH_SWEEP_LATENT ?? 32);
const RUNS = 3;
const log = { warn: (m: string) => console.warn(m) };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const fmt = (s: number): string => s.toFixed(2);

const peak1 = await matmulPeak(1);
const peak2 = await matmulPeak(2);
console.log(`MatMul 2048³: ${peak1.gflops.toFixed(0)} GFLOP/s (1 thread), ${peak2.gflops.toFixed(0)} GFLOP/s (2 threads)`);

// Prime the cache, one cold optimization per level, so every timed session below is opened the same way.
const levels = new Set([DEFAULT_CONFIG, ...SWEEP].map((c) => c.options.graphOptimizationLevel ?? 'all'));
for (const level of levels) {
  const t0 = performance.now();
  const { session, origin } = await createWithOptimizedCache({ cacheDir, source: LARGE_UNET, fingerprint, device: 'cpu', options: withDefaults({ graphOptimizationLevel: level }) }, log);
  console.log(`cache for level ${level}: ${origin}, ${fmt((performance.now() - t0) / 1000)} s`);
  await session.release();
  gc();
}

interface Measured extends StepTiming {
  loadSeconds: number;
}

async function measure(config: SweepConfig, latent: number, runs: number): Promise<Measured> {
  const t0 = performance.now();
  const session = config.uncached
    ? await ort.InferenceSession.create(LARGE_UNET, config.options)
    : (await createWithOptimizedCache({ cacheDir, source: LARGE_UNET, fingerprint, device: 'cpu', options: config.options }, log)).session;
  const loadSeconds = (performance.now() - t0) / 1000;
  try {
    const timing = await timeSteps(session, unetFeeds(session, latent), runs, config.bound);
    console.log(`${config.name} @${latent}²: load ${fmt(loadSeconds)} s, first ${fmt(timing.first)} s, step ${fmt(timing.steady)} s${timing.bound ? `, bound ${fmt(timing.bound)} s` : ''}, RSS ${timing.rssGiB.toFixed(1)} GiB`);
    return { ...timing, loadSeconds };
  } finally {
    await session.release();
    gc();
  }
}

const before = await measure(DEFAULT_CONFIG, SWEEP_LATENT, RUNS);
const sweep: [SweepConfig, Measured][] = [];
for (const config of SWEEP) sweep.push([config, await measure(config, SWEEP_LATENT, RUNS)]);
const after = await measure(DEFAULT_CONFIG, SWEEP_LATENT, RUNS);
const confirm = await measure(DEFAULT_CONFIG, 64, 2);

const baseline = { name: `${DEFAULT_CONFIG.name} (mean of 2)`, value: (before.steady + after.steady) / 2 };
const bound = ((before.bound ?? 0) + (after.bound ?? 0)) / 2;
const gflops = (2 * SD15_TFLOP_PER_SAMPLE_STEP * 1000) / confirm.steady;
const figures: Figure[] = [
  { metric: 'onnxruntime MatMul 2048³ fp32, 1 thread', value: peak1.gflops, unit: 'GFLOP/s' },
  { metric: 'onnxruntime MatMul 2048³ fp32, 2 threads', value: peak2.gflops, unit: 'GFLOP/s' },
  {
    metric: 'SD1.5 UNet CFG step (batch 2, 64×64 latent), Loom defaults',
    value: gflops,
    unit: 'GFLOP/s',
    baseline: { name: 'MatMul peak, 2 threads', value: peak2.gflops },
    note: `${fmt(confirm.steady)} s per step (first call ${fmt(confirm.first)} s), ${SD15_TFLOP_PER_SAMPLE_STEP} TFLOP per sample-step, RSS ${confirm.rssGiB.toFixed(1)} GiB`,
  },
  { metric: `SD1.5 UNet CFG step (${SWEEP_LATENT}×${SWEEP_LATENT}), ${DEFAULT_CONFIG.name}`, value: baseline.value, unit: 's', note: `before/after the sweep: ${fmt(before.steady)} / ${fmt(after.steady)} s; warm open ${fmt(before.loadSeconds)} s; RSS ${before.rssGiB.toFixed(1)} GiB` },
  { metric: `… with a pre-allocated output (run fetches)`, value: bound, unit: 's', baseline },
  ...sweep.map(([config, m]): Figure => ({
    metric: `… ${config.name}`,
    value: m.steady,
    unit: 's',
    baseline,
    note: `${config.uncached ? 'cold-optimized' : 'opened from the cache'} in ${fmt(m.loadSeconds)} s; first call ${fmt(m.first)} s; RSS ${m.rssGiB.toFixed(1)} GiB`,
  })),
];
writeResult('throughput', 'UNet throughput and session options (SD1.5-size UNet, CPU)', figures);

// The sweep-only levels' entries are 3.4 GB each; keep only the default level's for later runs.
for (const level of levels) {
  if (level !== (DEFAULT_CONFIG.options.graphOptimizationLevel ?? 'all')) await rm(cacheEntryDir(cacheDir, fingerprint, 'cpu', level), { recursive: true, force: true });
}
