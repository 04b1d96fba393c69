import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EngineEvent } from '../api/types.ts';
import { JobProgress, plannedSteps, progressLabel } from './job-progress.ts';

const started: EngineEvent = { type: 'run.started', runId: 'r', toExecute: ['enc', 'sampler', 'decode', 'save'], cached: [] };
const finished = (nodeId: string) => ({ type: 'node.finished', nodeId, durationMs: 1, outputs: {} }) as unknown as EngineEvent;
const step = (value: number) => ({ type: 'node.progress', nodeId: 'sampler', value, max: 20 }) as unknown as EngineEvent;

test('sampler steps dominate the overall fraction and the ETA follows the observed pace (fake clock)', () => {
  let now = 0;
  const p = new JobProgress({}, () => now);
  p.apply(started);
  assert.equal(p.fraction, 0);
  assert.equal(p.etaMs, undefined, 'no pace before any work is done');
  now = 1000;
  p.apply(finished('enc'));
  assert.equal(p.fraction, 0.25, 'one of four unit-weight nodes');
  now = 2000;
  p.apply(step(1));
  // The sampler now weighs 20 units: 1 (enc) + 1 step of 23 units. The bar does not go back.
  assert.equal(p.fraction, 0.25);
  now = 11_000;
  p.apply(step(10));
  assert.equal(p.fraction, 11 / 23);
  // 11 units in 11 s → 12 units left ≈ 12 s.
  assert.equal(p.etaMs, 12_000);
  now = 20_000;
  p.apply(step(19));
  assert.equal(p.fraction, 20 / 23);
  assert.equal(p.etaMs, 3000, 'ETA shrinks as the work runs down');
  p.apply(step(20));
  p.apply(finished('sampler'));
  p.apply(finished('decode'));
  p.apply(finished('save'));
  assert.equal(p.fraction, 1);
});

test('labels show the percentage and the time left', () => {
  assert.equal(progressLabel(0.5, 3200), '50% · 4 s left');
  assert.equal(progressLabel(0.1, 125_000), '10% · 2 min 5 s left');
  assert.equal(progressLabel(1, 0), '100%');
  assert.equal(progressLabel(0, undefined), '0%');
});

test('a planned step count weighs the sampler from the start, so the bar never waits for it', () => {
  let now = 0;
  const plan = plannedSteps({ nodes: { enc: { inputs: { text: 'x' } }, sampler: { inputs: { steps: 20 } }, decode: {}, save: {} } });
  assert.deepEqual(plan, { sampler: 20 });
  const p = new JobProgress(plan, () => now);
  p.apply(started);
  now = 500;
  p.apply(finished('enc'));
  assert.equal(p.fraction, 1 / 23);
  now = 5500;
  p.apply(step(10));
  assert.equal(p.fraction, 11 / 23);
  assert.equal(p.etaMs, 5500 * (12 / 11));
});
