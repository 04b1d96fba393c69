/**
 * Model load on the SD1.5-size random UNet. Each load runs in its own process (load-once.ts), as an
 * app start would:
 *   default — Loom's CPU default (level `extended`), optimized at load, no cache;
 *   all     — level `all` (the CPU default before the throughput sweep) optimized at load: the cold baseline;
 *   build   — the first level-`all` load with a cache folder: the optimization plus writing the result;
 *   warm    — later level-`all` loads: the cached optimized model opened with optimization disabled.
 * Goal: warm ≤ 50% of cold. Order default, all, build, warm, warm, all, default, warm; medians, so both
 * sides see the machine's drift. The OS file cache holds the source and cached weights in every case
 * (24 GB RAM), so the figures compare onnxruntime's work, not disk reads. The temporary cache is
 * deleted afterwards. Env: LOOM_BENCH_LARGE=0 skips it, keeping the last result.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, writeResult, type Figure } from '../lib/report.ts';
import { LARGE_UNET, LARGE_UNET_LABEL, largeSkipReason, waitForQuietMachine } from '../throughput/large-model.ts';
import type { LoadSample } from './load-once.ts';

const skip = largeSkipReason();
if (skip) {
  console.log(`(skipping the model-load bench: ${skip}; bench/results/model-load.json keeps its last result)`);
  process.exit(0);
}
await waitForQuietMachine();

const worker = fileURLToPath(new URL('./load-once.ts', import.meta.url));
const cacheDir = mkdtempSync(join(tmpdir(), 'loom-model-load-'));
type Kind = 'default' | 'all' | 'build' | 'warm';
const EXPECTED_ORIGIN: Record<Kind, string> = { default: 'direct', all: 'direct', build: 'cold', warm: 'warm' };

function load(kind: Kind): LoadSample {
  const mode = kind === 'build' || kind === 'warm' ? ['cached', cacheDir] : [kind];
  const run = spawnSync(process.execPath, ['--import', 'tsx', worker, LARGE_UNET, ...mode], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`load-once (${kind}) failed with status ${run.status}: ${run.stdout}`);
  const sample = JSON.parse(line) as LoadSample;
  if (sample.origin !== EXPECTED_ORIGIN[kind]) throw new Error(`a ${kind} load came out ${sample.origin}`);
  console.log(`${kind}: load ${sample.loadSeconds.toFixed(2)} s, first call ${sample.firstCallSeconds.toFixed(2)} s, RSS ${sample.rssGiB.toFixed(1)} GiB`);
  return sample;
}

const samples: Record<Kind, LoadSample[]> = { default: [], all: [], build: [], warm: [] };
let cacheBytes = 0;
try {
  for (const kind of ['default', 'all', 'build', 'warm', 'warm', 'all', 'default', 'warm'] as const) samples[kind].push(load(kind));
  for (const entry of readdirSync(cacheDir)) for (const file of readdirSync(join(cacheDir, entry))) cacheBytes += statSync(join(cacheDir, entry, file)).size;
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}

const loadOf = (kind: Kind) => median(samples[kind].map((s) => s.loadSeconds));
const readyOf = (kind: Kind) => median(samples[kind].map((s) => s.loadSeconds + s.firstCallSeconds));
const rss = (kind: Kind) => median(samples[kind].map((s) => s.rssGiB)).toFixed(1);
const levelAllHashes = new Set([...samples.all, ...samples.build, ...samples.warm].map((s) => s.outputSha256));
const cold = { name: "cold load, level 'all'", value: loadOf('all') };
const figures: Figure[] = [
  { metric: `${LARGE_UNET_LABEL}: cold load, level 'all' (optimized at load)`, value: loadOf('all'), unit: 's', note: `median of 2; RSS after one call ${rss('all')} GiB` },
  { metric: `${LARGE_UNET_LABEL}: first level-'all' load with the cache (optimize + write)`, value: loadOf('build'), unit: 's', baseline: cold, note: `writes ${(cacheBytes / 1e9).toFixed(2)} GB` },
  {
    metric: `${LARGE_UNET_LABEL}: warm load, level 'all' (cached optimized model)`,
    value: loadOf('warm'),
    unit: 's',
    baseline: cold,
    goal: { text: '≤ 0.5×', met: loadOf('warm') <= 0.5 * loadOf('all') },
    note: `median of 3; outputs of all level-'all' loads ${levelAllHashes.size === 1 ? 'bit-identical' : 'DIFFER'}`,
  },
  { metric: `${LARGE_UNET_LABEL}: warm load + first UNet call (8×8 latent), level 'all'`, value: readyOf('warm'), unit: 's', baseline: { name: 'cold load + first call', value: readyOf('all') } },
  {
    metric: `${LARGE_UNET_LABEL}: Loom's CPU default, level 'extended', optimized at load, no cache`,
    value: loadOf('default'),
    unit: 's',
    baseline: cold,
    note: `median of 2; runs as fast as level 'all' (throughput bench), so the CPU skips the cache; RSS ${rss('default')} GiB`,
  },
];
writeResult('model-load', `Model load, cold vs warm (onnxruntime optimized-model cache), ${LARGE_UNET_LABEL}`, figures);
if (levelAllHashes.size !== 1) process.exitCode = 1;
