import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stackFactors, type LoraFactors } from '../../packages/nodes/src/sd/lora/merge.ts';
import { mergeProduct } from './merge-kernel.ts';

// down [r=1, in=2] = [[1, 2]], up [out=3, r=1] = [[1], [0], [-1]] → up@down = [[1,2],[0,0],[-1,-2]] (by hand)
const f: LoraFactors = { down: new Float32Array([1, 2]), downShape: [1, 2], up: new Float32Array([1, 0, -1]), upShape: [3, 1], alpha: 0.5 };

test('the ORT merge kernel adds a@b to the base weight', async () => {
  const { a, b, m, r, n } = stackFactors('in_out', [{ factors: f, coef: 2 }], 3, 2);
  const w = new Float32Array([1, 1, 1, 1, 1, 1]);
  assert.deepEqual([...(await mergeProduct(a, b, w, m, r, n))], [3, 1, -1, 5, 1, -3]);
  assert.deepEqual([...w], [1, 1, 1, 1, 1, 1]);
});
