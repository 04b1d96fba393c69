/**
 * UNet throughput on the SD1.5-size random UNet, against onnxruntime's MatMul peak on this machine
 * measured in the same run, and the session-option sweep behind the defaults in
 * packages/nodes/src/runtime/session.ts.
 *
 * Plan (≈ 15–20 min on 2 cores): the optimized-model cache primed for levels all/extended/basic (one
 * cold optimization each, in `.loom/ort-cache`); a reference session with Loom's defaults kept open;
 * each sweep configuration opened next to it and timed against it in A B B A rounds on a CFG step
 * (batch 2) at a 32×32 latent; then the reference at 64×64, each step interleaved with a MatMul 2048³
 * peak measurement (2 threads), whose GFLOP/s use 0.803 TFLOP per sample-step.
 * Env: LOOM_BENCH_LARGE=0 skips it (keeping the last result); LOOM_BENCH_SWEEP_LATENT sets the sweep size.
 */
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { modelFingerprint } from '../../packages/nodes/src/runtime/session.ts';
import { cacheEntryDir, createWithOptimizedCache } from '../../packages/nodes/src/runtime/optimized-model-cache.ts';
import { abba, median, spreadOf, writeResult, type Figure } from '../lib/report.ts';
import { carriedOver } from '../lib/carried-over.ts';
import { LARGE_UNET, SD15_TFLOP_PER_SAMPLE_STEP, largeSkipReason, waitForQuietMachine } from './large-model.ts';
import { matmulFigures, matmulPeak } from './matmul-peak.ts';
import { DEFAULT_CONFIG, SWEEP, withDefaults, type SweepConfig } from './sweep-configs.ts';
import { outputLike, rssGiB, timeRun, unetFeeds } from './unet-step.ts';

const TITLE = 'UNet throughput and session options (SD1.5-size UNet, CPU)';
const skip = largeSkipReason();
if (skip) {
  // Without the big UNet, the MatMul peak is still measured; the UNet figures are carried over.
  console.log(`(SD1.5-size UNet skipped: ${skip}; measuring the MatMul peak, carrying the UNet figures over)`);
  writeResult('throughput', TITLE, [
    ...(await matmulFigures()),
    ...carriedOver('throughput', (f) => !f.metric.startsWith('onnxruntime MatMul') && f.unit !== 'GFLOP/s'),
  ]);
  process.exit(0);
}
await waitForQuietMachine();

const cacheDir = fileURLToPath(new URL('../../.loom/ort-cache', import.meta.url));
const fingerprint = (await modelFingerprint(LARGE_UNET)).key;
const SWEEP_LATENT = Number(process.env.LOOM_BENCH_SWEEP_LATENT ?? 32);
const ROUNDS = 2;
const log = { warn: (m: string) => console.warn(m) };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const fmt = (s: number): string => s.toFixed(2);
const defaultLevel = DEFAULT_CONFIG.options.graphOptimizationLevel ?? 'all';

// Prime the cache, one cold optimization per level, so every session below but one is opened the same way.
const levels = new Set([DEFAULT_CONFIG, ...SWEEP].map((c) => c.options.graphOptimizationLevel ?? 'all'));
for (const level of levels) {
  const t0 = performance.now();
  const { session, origin } = await createWithOptimizedCache(
    { cacheDir, source: LARGE_UNET, fingerprint, device: 'cpu', options: withDefaults({ graphOptimizationLevel: level }) },
    log,
  );
  console.log(`cache for level ${level}: ${origin}, ${fmt((performance.now() - t0) / 1000)} s`);
  await session.release();
  gc();
}

async function open(config: SweepConfig): Promise<{ session: ort.InferenceSession; loadSeconds: number }> {
  const t0 = performance.now();
  const session = config.uncached
    ? await ort.InferenceSession.create(LARGE_UNET, config.options)
    : (await createWithOptimizedCache({ cacheDir, source: LARGE_UNET, fingerprint, device: 'cpu', options: config.options }, log)).session;
  return { session, loadSeconds: (performance.now() - t0) / 1000 };
}

const reference = await open(DEFAULT_CONFIG);
const feeds = unetFeeds(reference.session, SWEEP_LATENT);
const referenceFirst = await timeRun(reference.session, feeds);
const runReference = () => timeRun(reference.session, feeds);
const baselineOf = (samples: number[]) => ({ name: `${DEFAULT_CONFIG.name}, same rounds`, value: median(samples) });
const figures: Figure[] = [];

const bound = outputLike(feeds);
const withFetches = await abba(runReference, () => timeRun(reference.session, feeds, bound), ROUNDS);
figures.push({
  metric: `SD1.5 UNet CFG step (${SWEEP_LATENT}×${SWEEP_LATENT}), pre-allocated output (run fetches)`,
  value: median(withFetches.b),
  unit: 's',
  baseline: baselineOf(withFetches.a),
  note: `reference opened from the cache in ${fmt(reference.loadSeconds)} s, first call ${fmt(referenceFirst)} s`,
});

for (const config of SWEEP) {
  const candidate = await open(config);
  try {
    const first = await timeRun(candidate.session, feeds);
    const times = await abba(runReference, () => timeRun(candidate.session, feeds), ROUNDS);
    const rss = rssGiB();
    console.log(
      `${config.name}: ${fmt(median(times.b))} s vs ${fmt(median(times.a))} s (defaults); load ${fmt(candidate.loadSeconds)} s, first ${fmt(first)} s, RSS ${rss.toFixed(1)} GiB`,
    );
    figures.push({
      metric: `… ${config.name}`,
      value: median(times.b),
      unit: 's',
      baseline: baselineOf(times.a),
      note: `${config.uncached ? 'optimized from the source' : 'opened from the cache'} in ${fmt(candidate.loadSeconds)} s; first call ${fmt(first)} s; RSS with both sessions ${rss.toFixed(1)} GiB`,
    });
  } finally {
    await candidate.session.release();
    gc();
  }
}

// 64×64: the throughput figure, each UNet step next to a MatMul peak measurement.
const bigFeeds = unetFeeds(reference.session, 64);
const bigFirst = await timeRun(reference.session, bigFeeds);
const peaks: number[] = [];
const steps: number[] = [];
for (let i = 0; i < 3; i++) {
  peaks.push((await matmulPeak(2, 2048, 5)).gflops);
  steps.push(await timeRun(reference.session, bigFeeds));
}
const step = median(steps);
const gflops = (2 * SD15_TFLOP_PER_SAMPLE_STEP * 1000) / step;
console.log(`64×64: ${steps.map(fmt).join(', ')} s; MatMul peak ${peaks.map((p) => p.toFixed(0)).join(', ')} GFLOP/s`);
figures.unshift(...(await matmulFigures()), {
  metric: 'SD1.5 UNet CFG step (batch 2, 64×64 latent), Loom defaults',
  value: gflops,
  unit: 'GFLOP/s',
  threads: 2,
  baseline: { name: 'MatMul peak, 2 threads, between the steps', value: median(peaks) },
  spread: spreadOf(steps.map((s) => (2 * SD15_TFLOP_PER_SAMPLE_STEP * 1000) / s)),
  note: `${fmt(step)} s per step (median of 3; first call ${fmt(bigFirst)} s), ${SD15_TFLOP_PER_SAMPLE_STEP} TFLOP per sample-step, RSS ${rssGiB().toFixed(1)} GiB`,
});
await reference.session.release();
writeResult('throughput', TITLE, figures);

// The sweep-only levels' entries are 3.4 GB each; keep only the default level's for later runs.
for (const level of levels) {
  if (level !== defaultLevel) await rm(cacheEntryDir(cacheDir, fingerprint, 'cpu', level), { recursive: true, force: true });
}
