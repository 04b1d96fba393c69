/** LatentFromBatch / RepeatLatentBatch, hand-worked from ComfyUI's nodes.py semantics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latentOf } from '../../ports.ts';
import { latentFromBatch, repeatLatentBatch } from './latent-batch.ts';

// Batch of 4 one-value latents [4,1,1,1] with values 10..13 and a mask 0,1,0,1.
const latent = {
  ...latentOf(Float32Array.of(10, 11, 12, 13), [4, 1, 1, 1]),
  noiseMask: { values: Float32Array.of(0, 1, 0, 1), shape: [4, 1, 1, 1] as [number, 1, number, number] },
};

test('LatentFromBatch clamps start and length to the batch and records the batch indices', () => {
  const picked = latentFromBatch(latent, 2, 5);
  assert.deepEqual([...picked.samples], [12, 13]);
  assert.deepEqual(picked.shape, [2, 1, 1, 1]);
  assert.deepEqual([...(picked.noiseMask?.values ?? [])], [0, 1]);
  assert.deepEqual(picked.batchIndex, [2, 3]);
  // An index past the end takes the last item, as min(batch − 1, index).
  assert.deepEqual([...latentFromBatch(latent, 9, 1).samples], [13]);
  // Picking from a pick keeps the original indices.
  assert.deepEqual(latentFromBatch(picked, 1, 1).batchIndex, [3]);
});

test('RepeatLatentBatch tiles the batch and continues batch indices past the highest', () => {
  const twice = repeatLatentBatch(latentFromBatch(latent, 1, 2), 3);
  assert.deepEqual([...twice.samples], [11, 12, 11, 12, 11, 12]);
  assert.deepEqual(twice.shape, [6, 1, 1, 1]);
  // indices [1, 2]: offset = 2 − 1 + 1 = 2 → [1, 2, 3, 4, 5, 6].
  assert.deepEqual(twice.batchIndex, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...(twice.noiseMask?.values ?? [])], [1, 0, 1, 0, 1, 0]);
  assert.equal(repeatLatentBatch(latentOf(Float32Array.of(1), [1, 1, 1, 1]), 2).batchIndex, undefined);
});
