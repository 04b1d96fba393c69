/**
 * Model load, with and without onnxruntime's optimized-model cache. Each load runs in its own process
 * (load-once.ts), as an app start would:
 *   default   — Loom's CPU default (level `extended`), optimized at load, no cache;
 *   build     — the same with a cache folder, the first time: the optimization plus writing the result;
 *   warm      — later such loads: the cached optimized model checked and opened with optimization disabled;
 *   all, build-all, warm-all — the same three at level `all` (the CPU default before the throughput sweep).
 *
 * 1. loom-tiny's UNet (always): one build, then default and warm in A-B-B-A rounds.
 * 2. The SD1.5-size random UNet (when generated; LOOM_BENCH_LARGE=0 skips it and keeps its last figures):
 *    every kind, in an order that spreads each kind over the run, medians.
 * Goal: warm ≤ 50% of the matching cold load. The OS file cache holds the source and cached weights in
 * every case (24 GB RAM), so the figures compare onnxruntime's work, not disk reads. Output hashes check
 * that cold and warm sessions compute bit-identical results. Temporary caches are deleted afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { carriedOver } from '../lib/carried-over.ts';
import { median, spreadOf, writeResult, type Figure } from '../lib/report.ts';
import { LARGE_UNET, LARGE_UNET_LABEL, largeSkipReason, waitForQuietMachine } from '../throughput/large-model.ts';
import type { LoadSample } from './load-once.ts';

const worker = fileURLToPath(new URL('./load-once.ts', import.meta.url));
const TINY_UNET = fileURLToPath(new URL('../../models/loom-tiny/unet/model.onnx', import.meta.url));
const TINY_ROUNDS = 3;
type Kind = 'default' | 'build' | 'warm' | 'all' | 'build-all' | 'warm-all';
const MODE: Record<Kind, string> = { default: 'default', build: 'cached', warm: 'cached', all: 'all', 'build-all': 'cached-all', 'warm-all': 'cached-all' };
const EXPECTED_ORIGIN: Record<Kind, string> = { default: 'direct', build: 'cold', warm: 'warm', all: 'direct', 'build-all': 'cold', 'warm-all': 'warm' };

/** One load of `model` in a fresh process; build and warm kinds use `cacheDir`. */
function load(model: string, kind: Kind, cacheDir: string): LoadSample {
  const args = [worker, model, MODE[kind], ...(MODE[kind].startsWith('cached') ? [cacheDir] : [])];
  const run = spawnSync(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`load-once (${kind}) failed with status ${run.status}: ${run.stdout}`);
  const sample = JSON.parse(line) as LoadSample;
  if (sample.origin !== EXPECTED_ORIGIN[kind]) throw new Error(`a ${kind} load came out ${sample.origin}`);
  console.log(`${kind}: load ${sample.loadSeconds.toFixed(2)} s, first call ${sample.firstCallSeconds.toFixed(2)} s, RSS ${sample.rssGiB.toFixed(1)} GiB`);
  return sample;
}

/** Loads `model` in the given order with a fresh cache folder; returns the samples by kind and the bytes cached. */
function loads(model: string, order: Kind[]): { samples: Record<Kind, LoadSample[]>; cacheBytes: number } {
  const cacheDir = mkdtempSync(join(tmpdir(), 'loom-model-load-'));
  const samples: Record<Kind, LoadSample[]> = { default: [], build: [], warm: [], all: [], 'build-all': [], 'warm-all': [] };
  let cacheBytes = 0;
  try {
    for (const kind of order) samples[kind].push(load(model, kind, cacheDir));
    for (const entry of readdirSync(cacheDir)) for (const file of readdirSync(join(cacheDir, entry))) cacheBytes += statSync(join(cacheDir, entry, file)).size;
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return { samples, cacheBytes };
}

const loadOf = (samples: LoadSample[]) => median(samples.map((s) => s.loadSeconds));
const hashesOf = (...groups: LoadSample[][]) => new Set(groups.flat().map((s) => s.outputSha256));
const identical = (...groups: LoadSample[][]) => (hashesOf(...groups).size === 1 ? 'bit-identical' : 'DIFFER');
let mismatch = false;

// 1. loom-tiny, A-B-B-A between the direct load and the warm one.
const tinyOrder: Kind[] = ['build'];
for (let r = 0; r < TINY_ROUNDS; r++) tinyOrder.push('default', 'warm', 'warm', 'default');
const tiny = loads(TINY_UNET, tinyOrder);
const tinyCold = { name: 'load without the cache', value: loadOf(tiny.samples.default) };
mismatch ||= hashesOf(tiny.samples.default, tiny.samples.build, tiny.samples.warm).size !== 1;
const figures: Figure[] = [
  {
    metric: "loom-tiny UNet: Loom's CPU default (level 'extended'), optimized at load, no cache",
    value: tinyCold.value,
    unit: 's',
    spread: spreadOf(tiny.samples.default.map((s) => s.loadSeconds)),
    note: `A-B-B-A × ${TINY_ROUNDS} with the warm load; fresh process each`,
  },
  {
    metric: "loom-tiny UNet: first load with the cache (optimize + write), level 'extended'",
    value: loadOf(tiny.samples.build),
    unit: 's',
    baseline: tinyCold,
    note: `one load; writes ${(tiny.cacheBytes / 1e6).toFixed(1)} MB`,
  },
  {
    metric: "loom-tiny UNet: warm load (cached optimized model, checked and opened), level 'extended'",
    value: loadOf(tiny.samples.warm),
    unit: 's',
    baseline: tinyCold,
    goal: { text: '≤ 0.5×', met: loadOf(tiny.samples.warm) <= 0.5 * tinyCold.value },
    spread: spreadOf(tiny.samples.warm.map((s) => s.loadSeconds)),
    note: `outputs of all loads ${identical(tiny.samples.default, tiny.samples.build, tiny.samples.warm)}`,
  },
];

// 2. SD1.5 size.
const skip = largeSkipReason();
if (skip) {
  console.log(`(skipping the SD1.5-size loads: ${skip}; their last figures are carried over)`);
  figures.push(...carriedOver('model-load', (f) => f.metric.startsWith('SD1.5-size')));
} else {
  await waitForQuietMachine();
  const large = loads(LARGE_UNET, ['default', 'all', 'build', 'build-all', 'warm', 'warm-all', 'all', 'default', 'warm', 'warm-all', 'warm', 'warm-all']);
  const s = large.samples;
  mismatch ||= hashesOf(s.default, s.build, s.warm).size !== 1 || hashesOf(s.all, s['build-all'], s['warm-all']).size !== 1;
  const rss = (kind: Kind) => median(s[kind].map((x) => x.rssGiB)).toFixed(1);
  const ready = (kind: Kind) => median(s[kind].map((x) => x.loadSeconds + x.firstCallSeconds));
  const coldExt = { name: "cold load, level 'extended'", value: loadOf(s.default) };
  const coldAll = { name: "cold load, level 'all'", value: loadOf(s.all) };
  figures.push(
    {
      metric: `${LARGE_UNET_LABEL}: Loom's CPU default (level 'extended'), optimized at load, no cache`,
      value: coldExt.value,
      unit: 's',
      note: `median of 2; RSS after one call ${rss('default')} GiB`,
    },
    {
      metric: `${LARGE_UNET_LABEL}: first load with the cache (optimize + write), level 'extended'`,
      value: loadOf(s.build),
      unit: 's',
      baseline: coldExt,
      note: `one load; the whole cache run wrote ${(large.cacheBytes / 1e9).toFixed(2)} GB (both levels)`,
    },
    {
      metric: `${LARGE_UNET_LABEL}: warm load (cached optimized model), level 'extended'`,
      value: loadOf(s.warm),
      unit: 's',
      baseline: coldExt,
      goal: { text: '≤ 0.5×', met: loadOf(s.warm) <= 0.5 * coldExt.value },
      note: `median of 3; outputs ${identical(s.default, s.build, s.warm)}; RSS ${rss('warm')} GiB`,
    },
    {
      metric: `${LARGE_UNET_LABEL}: cold load, level 'all' (optimized at load)`,
      value: coldAll.value,
      unit: 's',
      note: `median of 2; RSS after one call ${rss('all')} GiB`,
    },
    { metric: `${LARGE_UNET_LABEL}: first level-'all' load with the cache (optimize + write)`, value: loadOf(s['build-all']), unit: 's', baseline: coldAll },
    {
      metric: `${LARGE_UNET_LABEL}: warm load, level 'all' (cached optimized model)`,
      value: loadOf(s['warm-all']),
      unit: 's',
      baseline: coldAll,
      goal: { text: '≤ 0.5×', met: loadOf(s['warm-all']) <= 0.5 * coldAll.value },
      note: `median of 3; outputs of all level-'all' loads ${identical(s.all, s['build-all'], s['warm-all'])}`,
    },
    {
      metric: `${LARGE_UNET_LABEL}: warm load + first UNet call (8×8 latent), level 'all'`,
      value: ready('warm-all'),
      unit: 's',
      baseline: { name: 'cold load + first call', value: ready('all') },
    },
  );
}
writeResult('model-load', 'Model load, cold vs warm (onnxruntime optimized-model cache): loom-tiny and SD1.5-size UNets', figures);
if (mismatch) process.exitCode = 1;
