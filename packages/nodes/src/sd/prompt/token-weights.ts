/**
 * Emphasis applied to text-encoder output, A1111's "Original" method (AUTOMATIC1111
 * `modules/sd_hijack_clip.py` `FrozenCLIPEmbedderWithCustomWordsBase.process_tokens`):
 * `z = z * w[token]`, then `z *= mean(z_before) / mean(z_after)` so the mean of the whole tensor is unchanged.
 * A1111 does this per 77-token chunk, on the chunk's `[batch, 77, dim]` output; call this once per chunk.
 */

/**
 * Scale each token vector of `hidden` (`[seqLen, dim]` row-major, modified in place) by its weight and restore
 * the tensor's original mean. Returns `hidden`. With all weights 1 the values are unchanged.
 */
export function applyTokenWeights(hidden: Float32Array, seqLen: number, dim: number, weights: readonly number[]): Float32Array {
  if (hidden.length !== seqLen * dim) {
    throw new RangeError(`applyTokenWeights: hidden has ${hidden.length} values, expected ${seqLen}×${dim}`);
  }
  if (weights.length !== seqLen) throw new RangeError(`applyTokenWeights: ${weights.length} weights for ${seqLen} tokens`);
  if (weights.every((w) => w === 1)) return hidden;
  let before = 0;
  for (const v of hidden) before += v;
  let after = 0;
  for (let t = 0; t < seqLen; t++) {
    const w = weights[t]!;
    for (let i = t * dim; i < (t + 1) * dim; i++) {
      hidden[i] = hidden[i]! * w;
      after += hidden[i]!;
    }
  }
  // The tensor means share the element count, so their ratio is the ratio of sums.
  if (after === 0) return hidden;
  const scale = before / after;
  for (let i = 0; i < hidden.length; i++) hidden[i] = hidden[i]! * scale;
  return hidden;
}
