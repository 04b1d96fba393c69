import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyTokenWeights } from './token-weights.ts';

test('weights scale token vectors, then the whole tensor is rescaled to its original mean', () => {
  // By hand: [[1,2],[3,4]] with weights [2,1] → [[2,4],[3,4]] (sum 13); original sum 10 → ×10/13.
  const hidden = new Float32Array([1, 2, 3, 4]);
  applyTokenWeights(hidden, 2, 2, [2, 1]);
  const expected = [20 / 13, 40 / 13, 30 / 13, 40 / 13];
  expected.forEach((v, i) => assert.ok(Math.abs(hidden[i]! - v) < 1e-6, `${i}: ${hidden[i]} vs ${v}`));
  const mean = hidden.reduce((a, b) => a + b, 0) / 4;
  assert.ok(Math.abs(mean - 2.5) < 1e-6);
});

test('all-ones weights leave the tensor bit-identical; shape errors are reported', () => {
  const hidden = new Float32Array([0.1, -0.2, 0.3, 0.7, 0.5, -0.6]);
  const copy = hidden.slice();
  applyTokenWeights(hidden, 3, 2, [1, 1, 1]);
  assert.deepEqual(hidden, copy);
  assert.throws(() => applyTokenWeights(hidden, 2, 2, [1, 1]), /expected 2×2/);
  assert.throws(() => applyTokenWeights(hidden, 3, 2, [1]), /1 weights for 3 tokens/);
});
