/**
 * Model load, cold vs warm, on the SD1.5-size random UNet (goal: warm ≤ 50% of cold). Each load runs
 * in its own process (load-once.ts), as an app start would:
 *   cold  — `openSession` without a cache: onnxruntime optimizes the graph (Loom's CPU level) and
 *           pre-packs the 3.4 GB of weights;
 *   build — the first load with a cache folder: the same, plus writing the optimized model and the
 *           pre-packed weights;
 *   warm  — later loads: the cached model opened with optimization disabled, pre-packed weights mapped.
 * Order cold, build, warm, warm, cold, warm; medians of the cold and warm loads, so both sides see the
 * machine's drift. The OS file cache holds both the source and the cached weights in every case (24 GB
 * RAM), so the figures compare onnxruntime's work, not disk reads. The temporary cache is deleted after.
 * Env: LOOM_BENCH_LARGE=0 skips it, keeping the last result.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, writeResult, type Figure } from '../lib/report.ts';
import { LARGE_UNET, largeSkipReason, waitForQuietMachine } from '../throughput/large-model.ts';
import { sessionOptions } from '../../packages/nodes/src/runtime/session.ts';
import type { LoadSample } from './load-once.ts';

const skip = largeSkipReason();
if (skip) {
  console.log(`(skipping the model-load bench: ${skip}; bench/results/model-load.json keeps its last result)`);
  process.exit(0);
}
await waitForQuietMachine();

const worker = fileURLToPath(new URL('./load-once.ts', import.meta.url));
const cacheDir = mkdtempSync(join(tmpdir(), 'loom-model-load-'));

function load(kind: 'cold' | 'build' | 'warm'): LoadSample {
  const args = ['--import', 'tsx', worker, LARGE_UNET, ...(kind === 'cold' ? [] : [cacheDir])];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`load-once (${kind}) failed with status ${run.status}: ${run.stdout}`);
  const sample = JSON.parse(line) as LoadSample;
  const expected = kind === 'cold' ? 'direct' : kind === 'build' ? 'cold' : 'warm';
  if (sample.origin !== expected) throw new Error(`a ${kind} load came out ${sample.origin}`);
  console.log(`${kind}: load ${sample.loadSeconds.toFixed(2)} s, first call ${sample.firstCallSeconds.toFixed(2)} s, RSS ${sample.rssGiB.toFixed(1)} GiB`);
  return sample;
}

const cold: LoadSample[] = [];
const warm: LoadSample[] = [];
let build: LoadSample;
let cacheBytes = 0;
try {
  cold.push(load('cold'));
  build = load('build');
  warm.push(load('warm'), load('warm'));
  cold.push(load('cold'));
  warm.push(load('warm'));
  for (const entry of readdirSync(cacheDir)) for (const file of readdirSync(join(cacheDir, entry))) cacheBytes += statSync(join(cacheDir, entry, file)).size;
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}

const hashes = new Set([...cold, build, ...warm].map((s) => s.outputSha256));
const coldLoad = median(cold.map((s) => s.loadSeconds));
const warmLoad = median(warm.map((s) => s.loadSeconds));
const coldReady = median(cold.map((s) => s.loadSeconds + s.firstCallSeconds));
const warmReady = median(warm.map((s) => s.loadSeconds + s.firstCallSeconds));
const rss = (samples: LoadSample[]): string => median(samples.map((s) => s.rssGiB)).toFixed(1);
const coldBaseline = { name: 'cold load (no cache)', value: coldLoad };
const figures: Figure[] = [
  { metric: `SD1.5-size UNet: cold load (optimize, level ${sessionOptions('cpu', 2).graphOptimizationLevel})`, value: coldLoad, unit: 's', note: `median of ${cold.length}; RSS after one call ${rss(cold)} GiB` },
  { metric: 'first load with the cache (optimize + write)', value: build.loadSeconds, unit: 's', baseline: coldBaseline, note: `writes ${(cacheBytes / 1e9).toFixed(2)} GB` },
  {
    metric: 'warm load (cached optimized model)',
    value: warmLoad,
    unit: 's',
    baseline: coldBaseline,
    goal: { text: '≤ 0.5×', met: warmLoad <= 0.5 * coldLoad },
    note: `median of ${warm.length}; weights memory-mapped, RSS after one call ${rss(warm)} GiB`,
  },
  {
    metric: 'warm load + first UNet call (8×8 latent)',
    value: warmReady,
    unit: 's',
    baseline: { name: 'cold load + first call', value: coldReady },
    note: `the first call pages the mapped weights in; outputs of all ${cold.length + warm.length + 1} loads ${hashes.size === 1 ? 'bit-identical' : 'DIFFER'}`,
  },
];
writeResult('model-load', 'Model load, cold vs warm (onnxruntime optimized-model cache)', figures);
if (hashes.size !== 1) process.exitCode = 1;
