/**
 * Dynamic thresholding of the x0 prediction (Saharia et al. 2022, Imagen, arXiv:2205.11487 §2.3; diffusers
 * `DDPMScheduler._threshold_sample`, shared by DDIM, DPM-Solver and LCM): per image, s is the
 * `ratio`-quantile of |x0| over all its values, clamped to [1, sample_max_value]; x0 is clamped to [-s, s]
 * and divided by s. Float32 as the torch tensors are; the quantile follows `torch.quantile`'s linear
 * interpolation (aten Sorting.cpp: rank = q·(n−1) in the input dtype, then `lerp` of its neighbours).
 */
const f = Math.fround;

/** torch's float `lerp`: the two-sided form that is exact at both ends. */
function lerp(a: number, b: number, w: number): number {
  return w < 0.5 ? f(a + f(w * f(b - a))) : f(b - f(f(b - a) * f(1 - w)));
}

/** `torch.quantile(values, q)` (linear) of float32 values. */
function quantileF32(values: Float32Array, q: number): number {
  const sorted = Float32Array.from(values).sort();
  const rank = f(f(q) * (sorted.length - 1));
  const below = Math.floor(rank);
  return lerp(sorted[below]!, sorted[Math.ceil(rank)]!, f(rank - below));
}

/** Thresholds `x0` (batch-major, `batch` images of equal size). Returns a new array. */
export function thresholdSample(x0: Float32Array, batch: number, ratio: number, maxValue: number): Float32Array<ArrayBuffer> {
  const size = x0.length / batch;
  if (!Number.isInteger(size)) throw new RangeError(`thresholding: ${x0.length} values do not split into ${batch} images`);
  const out = new Float32Array(x0.length);
  for (let b = 0; b < batch; b++) {
    const image = x0.subarray(b * size, (b + 1) * size);
    const s = Math.min(f(maxValue), Math.max(1, quantileF32(image.map(Math.abs), ratio)));
    image.forEach((v, k) => void (out[b * size + k] = f(Math.min(s, Math.max(-s, v)) / s)));
  }
  return out;
}
