import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent } from '@loom/engine';
import { createProgressDisplay, formatDuration } from './progress-display.ts';
import { ProgressEstimate, planOf, priorUnits, type PlannedNode, type ProgressSnapshot } from './progress-estimate.ts';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let written = '';
  const stream = { columns: 200, write: (chunk: string) => ((written += chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => written };
}

/** A fake clock the scripted run below advances. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const base = { runId: 'r' };
/** txt2img as run-graph plans it: the loader is cached; 20 sampler steps of 500 ms after a 1 s UNet load. */
const plan: PlannedNode[] = [
  { id: 'loader', type: 'ModelLoader' },
  { id: 'pos', type: 'TextEncoder' },
  { id: 'neg', type: 'TextEncoder' },
  { id: 'latent', type: 'EmptyLatent' },
  { id: 'sampler', type: 'UNetSampler', steps: 20 },
  { id: 'decode', type: 'VAEDecode' },
  { id: 'save', type: 'SaveImage' },
];
const STEP_MS = 500;

/**
 * Plays the run on `display`, advancing `clock`; `atStep(v)` is called after each sampler step.
 * Durations: pos/neg 200 ms each, latent 0, sampler 1,000 ms load + 20 × 500 ms, decode 1,000 ms, save 50 ms.
 */
function play(display: ReturnType<typeof createProgressDisplay>, clock: ReturnType<typeof fakeClock>, atStep: (value: number) => void = () => {}): void {
  const node = (id: string, type: string, ms: number): void => {
    display.onEvent({ type: 'node.started', ...base, nodeId: id, nodeType: type });
    clock.advance(ms);
    display.onEvent({ type: 'node.finished', ...base, nodeId: id, nodeType: type, durationMs: ms });
  };
  display.onEvent({ type: 'run.started', ...base, toExecute: ['pos', 'neg', 'latent', 'sampler', 'decode', 'save'], cached: ['loader'] });
  node('pos', 'TextEncoder', 200);
  node('neg', 'TextEncoder', 200);
  node('latent', 'EmptyLatent', 0);
  display.onEvent({ type: 'node.started', ...base, nodeId: 'sampler', nodeType: 'UNetSampler' });
  clock.advance(1000);
  for (let value = 1; value <= 20; value++) {
    clock.advance(STEP_MS);
    display.onEvent({ type: 'node.progress', ...base, nodeId: 'sampler', value, max: 20 });
    atStep(value);
  }
  display.onEvent({ type: 'node.finished', ...base, nodeId: 'sampler', nodeType: 'UNetSampler', durationMs: 11_000 });
  node('decode', 'VAEDecode', 1000);
  node('save', 'SaveImage', 50);
}

test('priors: literal steps count as steps; known types have their prior; a graph becomes a plan', () => {
  assert.equal(priorUnits({ type: 'UNetSampler', steps: 30 }), 30);
  assert.equal(priorUnits({ type: 'UNetSampler' }), 20); // steps through a link: the parameter's default
  assert.equal(priorUnits({ type: 'VAEDecode' }), 2);
  assert.equal(priorUnits({ type: 'ShowText' }), 0.05);
  const graph = {
    version: 1 as const,
    nodes: { s: { type: 'UNetSampler', inputs: { steps: 8 } }, k: { type: 'KSamplerLike', inputs: { steps: { node: 'i', output: 'value' } } } },
  };
  assert.deepEqual(planOf(graph), [
    { id: 's', type: 'UNetSampler', steps: 8 },
    { id: 'k', type: 'KSamplerLike' },
  ]);
  assert.equal(formatDuration(75_000), '1m15s');
  assert.equal(formatDuration(4_400), '4s');
});

test('the sampler dominates: % runs from ~20% to ~92% during sampling; ETA is the remaining work, falling', () => {
  const clock = fakeClock();
  const estimate = new ProgressEstimate(
    plan.filter((n) => n.id !== 'loader'),
    clock.now,
  );
  const seen: ({ step: number } & ProgressSnapshot)[] = [];
  // Feeds the scripted events straight to the estimate, read after each step.
  const display = {
    onEvent(event: EngineEvent) {
      if (event.type === 'node.started') estimate.started(event.nodeId, event.nodeType);
      if (event.type === 'node.progress') estimate.progress(event.nodeId, event.value, event.max);
      if (event.type === 'node.finished') estimate.finished(event.nodeId, event.durationMs);
    },
    clear() {},
  };
  play(display, clock, (step) => seen.push({ step, ...estimate.snapshot() }));

  // Hand-worked at step 10: done = 200 + 200 + 0 + (1,000 + 10 × 500) = 6,400 ms. The step time is 500 ms
  // (steps 1→10), which also scales the priors: decode 2 × 500, save 0.1 × 500. Remaining = 10 × 500 + 1,000 + 50.
  const at10 = seen[9]!;
  assert.equal(at10.etaMs, 6050);
  assert.ok(Math.abs(at10.fraction - 6400 / 12_450) < 1e-12, String(at10.fraction));
  // Step 2 (first step time known): done 400 + 2,000 = 2,400 of 2,400 + 18 × 500 + 1,050 → 19.3%.
  assert.ok(Math.abs(seen[1]!.fraction - 2400 / 12_450) < 1e-12);
  // Step 20: done 400 + 11,000 of 12,450 → 91.6%: the sampler spans most of the bar, not "57–71%".
  assert.ok(Math.abs(seen[19]!.fraction - 11_400 / 12_450) < 1e-12);
  // From step 2 on the ETA only falls, by one step per step (it used to climb from 3 s to 9 s).
  for (let i = 2; i < seen.length; i++) assert.equal(seen[i - 1]!.etaMs! - seen[i]!.etaMs!, STEP_MS, `step ${i + 1}`);
  assert.deepEqual(estimate.snapshot(), { fraction: 1, etaMs: 0 });
});

test('before anything finished there is no ETA; the percentage follows the priors', () => {
  const clock = fakeClock();
  const estimate = new ProgressEstimate(
    [
      { id: 'enc', type: 'TextEncoder' },
      { id: 'sampler', type: 'UNetSampler', steps: 20 },
    ],
    clock.now,
  );
  estimate.started('enc', 'TextEncoder');
  clock.advance(300);
  assert.deepEqual(estimate.snapshot(), { fraction: 0 });
  estimate.finished('enc', 300);
  // 0.2 units took 300 ms → 1,500 ms per unit; the sampler's 20 units are 30 s until it reports steps.
  assert.deepEqual(estimate.snapshot(), { fraction: 300 / 30_300, etaMs: 30_000 });
});

test('on a TTY: one live line with node, step, weighted percentage and ETA', () => {
  const { stream, text } = capture();
  const clock = fakeClock();
  const display = createProgressDisplay(stream, true, { plan, now: clock.now });
  let lineAt10 = '';
  play(display, clock, (step) => {
    if (step === 10) lineAt10 = text().split('\r\x1b[2K').filter(Boolean).at(-1) ?? '';
  });
  assert.match(lineAt10, / {2}51% 3\/6 nodes UNetSampler "sampler" step 10\/20 ETA 6s$/);
  display.onEvent({ type: 'node.log', ...base, nodeId: 'sampler', level: 'warn', message: 'careful' });
  const frames = text().split('\r\x1b[2K').filter(Boolean);
  assert.ok(!frames.some((f) => f.includes('\n') && !f.startsWith('warning')), 'progress never scrolls');
  assert.match(text(), /warning \[sampler\]: careful\n/);
});

test('without a TTY: a few plain lines per node with the weighted percentage, never one per step', () => {
  const { stream, text } = capture();
  const clock = fakeClock();
  play(createProgressDisplay(stream, false, { plan, now: clock.now }), clock);
  const lines = text().trim().split('\n');
  assert.equal(lines[0], 'running 6 node(s), 1 cached');
  assert.ok(lines.includes('TextEncoder "pos" done in 0s'));
  assert.ok(lines.includes('UNetSampler "sampler" done in 11s'));
  // Step 1: no step time yet; the finished nodes took 400 ms for 0.45 prior units (0.2 + 0.2 + 0.05), so
  // u = 888.9 ms: done 400 + 1,500 of 400 + (1,500 + 19u) + 2u + 0.1u = 20,655.6 → 9.2%. Then the 500 ms
  // step time: step 5 done 400 + 3,500 of 12,450 → 31.3%; 10 → 51.4%; 15: 8,900 → 71.5%; 20: 11,400 → 91.6%.
  const stepLines = lines.filter((l) => l.includes('step'));
  assert.deepEqual(stepLines, [
    '  sampler: step 1/20 (9% overall)',
    '  sampler: step 5/20 (31% overall)',
    '  sampler: step 10/20 (51% overall)',
    '  sampler: step 15/20 (71% overall)',
    '  sampler: step 20/20 (92% overall)',
  ]);
});
