import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planGrid } from '@loom/nodes';
import { CellClock, describePlan, overLimit } from './compare-estimate.ts';

const plan = planGrid(
  [
    { label: 'a', set: {} },
    { label: 'b', set: { steps: 30 } },
  ],
  [0, 1, 2],
  [7, 8],
);

test('the plan line counts cells and sampler steps (bindings first), or only cells when steps are unknown', () => {
  assert.equal(
    describePlan(plan, (b) => (typeof b.steps === 'number' ? b.steps : 20)),
    '12 cells (2 variants × 6 rows), 300 sampler steps; the time per cell and the time left follow from the first cells.',
  );
  assert.match(
    describePlan(plan, () => undefined),
    /^12 cells \(2 variants × 6 rows\); /,
  );
});

test('more cells than the limit is refused with the count; the limit itself passes', () => {
  assert.equal(overLimit(plan, 12), undefined);
  assert.match(overLimit(plan, 11) ?? '', /has 12 cells \(2 variants × 6 rows\), more than --max-cells 11\./);
});

test('time per cell leaves out the first cell (model loads) and counts down the rest', () => {
  let now = 0;
  const clock = new CellClock(10, () => now);
  const starts = [0, 30_000, 32_000, 34_000, 37_000];
  const lines = starts.map((t) => {
    now = t;
    return clock.started();
  });
  // Cell 1 (30 s) is left out. At cell 3's start cell 2 took 2 s, 8 cells remain: 16 s; at cell 4, 2 s × 7;
  // at cell 5, (37 − 30) / 3 s × 6 = 14 s.
  assert.deepEqual(lines, ['', '', '2.0 s/cell, ~16 s left', '2.0 s/cell, ~14 s left', '2.3 s/cell, ~14 s left']);
});
