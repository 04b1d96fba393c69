import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitMap } from './minimap.ts';

test('the map fits the bounds in its box, centred, keeping proportions', () => {
  // 1000 × 500 into 180 × 120 with 6 px padding: scale min(168 / 1000, 108 / 500) = 0.168, so the
  // map is 168 × 84, centred at (6, 18).
  const fit = fitMap({ left: 0, top: 0, right: 1000, bottom: 500 }, 180, 120, 6);
  assert.ok(Math.abs(fit.scale - 0.168) < 1e-12);
  assert.deepEqual(fit.origin, { x: 0, y: 0 });
  assert.ok(Math.abs(fit.offset.x - 6) < 1e-9 && Math.abs(fit.offset.y - 18) < 1e-9);
});
