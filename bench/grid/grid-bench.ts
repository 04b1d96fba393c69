/**
 * The comparison grid on the tiny SD1.5 model: 4 variants (base, LoRA ranks 4/8/16) × 10 prompt-library
 * prompts, one seed, 20 steps (graphs/compare-tiny-sd15-lora-ranks.json as shipped). Counts model
 * loads (sessions created, through a counting object store) and text encodings (TextEncoder runs vs
 * cache hits). Baseline: the same cells run the naive way, each in a fresh engine (no shared
 * sessions or caches); measured on one cell per variant and scaled to the grid.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, NodeRegistry, applySetting, builtinNodes, type EngineEvent, type Graph } from '@loom/engine';
import { CountingObjectStore, createNodePack, type NodePackConfig } from '@loom/nodes';
import { median, writeResult } from '../lib/report.ts';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'loom-grid-bench-'));
const config: NodePackConfig = {
  modelsDir: join(root, 'models'),
  outputDir: join(dir, 'out'),
  inputDir: join(dir, 'in'),
  tempDir: join(dir, 'tmp'),
  device: 'cpu',
  threads: 0,
};
const registry = new NodeRegistry([...builtinNodes, ...createNodePack(config).nodes]);
const template = JSON.parse(readFileSync(join(root, 'graphs/compare-tiny-sd15-lora-ranks.json'), 'utf8')) as Graph;
const VARIANTS = 4;
const PROMPTS = 10;

function engineWithCounter(): { engine: Engine; objects: CountingObjectStore } {
  const objects = new CountingObjectStore(8 * 1024 ** 3);
  return { engine: new Engine({ registry, objects }), objects };
}

interface Counts {
  computed: number;
  reused: number;
  samplers: number;
}

/** Counts TextEncoder runs and cache hits, and sampler runs, from engine events. */
function counter(): { counts: Counts; onEvent: (e: EngineEvent) => void } {
  const counts: Counts = { computed: 0, reused: 0, samplers: 0 };
  const onEvent = (e: EngineEvent): void => {
    if (e.type === 'node.started' && e.nodeType === 'TextEncoder') counts.computed++;
    if (e.type === 'node.cached' && e.nodeType === 'TextEncoder') counts.reused++;
    if (e.type === 'node.started' && e.nodeType === 'UNetSampler') counts.samplers++;
  };
  return { counts, onEvent };
}

const totalLoads = (objects: CountingObjectStore): number => objects.loads().sessions.length;
const loadsOf = (objects: CountingObjectStore, part: string): number =>
  Object.entries(objects.loads().byModel)
    .filter(([p]) => p.includes(part))
    .reduce((n, [, c]) => n + c, 0);

// The grid as shipped.
const grid = applySetting(template, registry, `grid.prompts=${JSON.stringify(Array.from({ length: PROMPTS }, (_, i) => i))}`);
const { engine, objects } = engineWithCounter();
const gridCount = counter();
const t0 = performance.now();
await engine.run(grid, { onEvent: gridCount.onEvent });
const gridSeconds = (performance.now() - t0) / 1000;
const cells = VARIANTS * PROMPTS;

// Baseline: one cell per variant, each in a fresh engine.
const variants = (template.nodes.grid?.inputs.variants ?? []) as { label: string; rank: number; set: Record<string, unknown> }[];
const naiveMs: number[] = [];
const naiveLoads: number[] = [];
for (const variant of variants) {
  const fresh = engineWithCounter();
  const one = applySetting(
    applySetting(applySetting(grid, registry, `grid.variants=${JSON.stringify([variant])}`), registry, 'grid.prompts=[0]'),
    registry,
    'grid.save=false',
  );
  const t = performance.now();
  await fresh.engine.run(one);
  naiveMs.push(performance.now() - t);
  naiveLoads.push(totalLoads(fresh.objects));
}
const naiveCellMs = median(naiveMs);
const naiveLoadsPerCell = median(naiveLoads);

writeResult('grid', 'Comparison grid: tiny SD1.5, 4 variants × 10 prompts (20 steps, safety retry on)', [
  { metric: 'cells', value: cells, unit: 'cells', note: `${VARIANTS} variants × ${PROMPTS} prompts × 1 seed` },
  { metric: 'grid wall time', value: gridSeconds, unit: 's', baseline: { name: 'fresh engine per cell', value: (naiveCellMs * cells) / 1000 } },
  { metric: 'time per cell', value: (gridSeconds * 1000) / cells, unit: 'ms', baseline: { name: 'fresh engine per cell', value: naiveCellMs } },
  {
    metric: 'model loads (sessions created)',
    value: totalLoads(objects),
    unit: 'sessions',
    baseline: { name: 'fresh engine per cell', value: naiveLoadsPerCell * cells },
    note: JSON.stringify(objects.loads().byModel).replaceAll(config.modelsDir + '/', ''),
  },
  {
    metric: 'UNet loads',
    value: loadsOf(objects, 'tiny-sd15/unet/'),
    unit: 'sessions',
    goal: { text: `≤ ${VARIANTS} (variants)`, met: loadsOf(objects, 'tiny-sd15/unet/') <= VARIANTS },
  },
  {
    metric: 'all model loads vs variants',
    value: totalLoads(objects),
    unit: 'sessions',
    goal: { text: `not per cell (< ${cells})`, met: totalLoads(objects) < cells },
  },
  {
    metric: 'text encodings computed',
    value: gridCount.counts.computed,
    unit: 'encodings',
    note: `${gridCount.counts.reused} served from the cache; one seed per prompt, so each (variant, prompt) pair is encoded once (positive + negative)`,
  },
  { metric: 'sampler runs', value: gridCount.counts.samplers, unit: 'runs', note: 'cells plus safety retries' },
]);
