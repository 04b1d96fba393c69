/**
 * Batch operations on LATENT values as ComfyUI's nodes.py defines them (LatentFromBatch.frombatch,
 * RepeatLatentBatch.repeat): the noise mask and `batchIndex` travel with the samples.
 */
import type { Latent } from '../../ports.ts';

const perItem = (latent: Latent): number => latent.shape[1] * latent.shape[2] * latent.shape[3];

/** Items `start … start + length − 1`, both clamped to the batch as ComfyUI clamps them. */
export function latentFromBatch(latent: Latent, batchIndex: number, length: number): Latent {
  const batch = latent.shape[0];
  const start = Math.min(batch - 1, batchIndex);
  const count = Math.min(batch - start, length);
  const size = perItem(latent);
  const mask = latent.noiseMask;
  const maskSize = mask ? mask.shape[2] * mask.shape[3] : 0;
  return {
    ...latent,
    samples: latent.samples.slice(start * size, (start + count) * size),
    shape: [count, latent.shape[1], latent.shape[2], latent.shape[3]],
    ...(mask && { noiseMask: { values: mask.values.slice(start * maskSize, (start + count) * maskSize), shape: [count, 1, mask.shape[2], mask.shape[3]] } }),
    batchIndex: (latent.batchIndex ?? [...Array(batch).keys()]).slice(start, start + count),
  };
}

/** The whole batch repeated `amount` times; batch indices continue past the highest one. */
export function repeatLatentBatch(latent: Latent, amount: number): Latent {
  const tile = (values: Float32Array): Float32Array => {
    const out = new Float32Array(values.length * amount);
    for (let i = 0; i < amount; i++) out.set(values, i * values.length);
    return out;
  };
  const mask = latent.noiseMask;
  const indices = latent.batchIndex;
  let batchIndex: number[] | undefined;
  if (indices) {
    const offset = Math.max(...indices) - Math.min(...indices) + 1;
    batchIndex = [...indices];
    for (let i = 1; i < amount; i++) batchIndex.push(...indices.map((x) => x + i * offset));
  }
  return {
    ...latent,
    samples: tile(latent.samples),
    shape: [latent.shape[0] * amount, latent.shape[1], latent.shape[2], latent.shape[3]],
    ...(mask && { noiseMask: { values: tile(mask.values), shape: [mask.shape[0] * amount, 1, mask.shape[2], mask.shape[3]] } }),
    ...(batchIndex && { batchIndex }),
  };
}
