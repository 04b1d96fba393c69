/**
 * Resampling of channel planes with torch's `F.interpolate` semantics (size given, align_corners=False),
 * the way ComfyUI's `common_upscale` scales latents (ATen UpSample.h / UpSampleKernel.cpp):
 * - `nearest-exact`: source index `min(floor((o + 0.5)·in/out), in − 1)`;
 * - `bilinear`: source `(o + 0.5)·in/out − 0.5`, clamped at 0, two taps;
 * - `bicubic`: the same source without the clamp, four taps of Keys' cubic with A = −0.75
 *   (`upsample_bicubic2d`, indices clamped to the edge);
 * - `area`: `adaptive_avg_pool2d`, the mean over `[floor(o·in/out), ceil((o+1)·in/out))`.
 * All four are separable, so rows are resampled first, then columns.
 */
export const RESAMPLE_METHODS = ['nearest-exact', 'bilinear', 'bicubic', 'area'] as const;
export type ResampleMethod = (typeof RESAMPLE_METHODS)[number];

interface Taps {
  index: Int32Array;
  weight: Float64Array;
  /** Taps per output position. */
  count: number;
}

const A = -0.75;
const cubicNear = (t: number): number => ((A + 2) * t - (A + 3)) * t * t + 1;
const cubicFar = (t: number): number => ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;

/** Source indices and weights along one axis. */
function taps(size: number, out: number, method: ResampleMethod): Taps {
  const scale = size / out;
  const count = method === 'nearest-exact' ? 1 : method === 'bilinear' ? 2 : method === 'bicubic' ? 4 : Math.ceil(scale) + 1;
  const index = new Int32Array(out * count);
  const weight = new Float64Array(out * count);
  const clamp = (i: number): number => Math.min(Math.max(i, 0), size - 1);
  for (let o = 0; o < out; o++) {
    const at = o * count;
    if (method === 'nearest-exact') {
      index[at] = Math.min(Math.floor((o + 0.5) * scale), size - 1);
      weight[at] = 1;
    } else if (method === 'bilinear') {
      const real = Math.max((o + 0.5) * scale - 0.5, 0);
      const i0 = Math.floor(real);
      const l1 = real - i0;
      index.set([i0, i0 < size - 1 ? i0 + 1 : i0], at);
      weight.set([1 - l1, l1], at);
    } else if (method === 'bicubic') {
      const real = (o + 0.5) * scale - 0.5;
      const i = Math.floor(real);
      const t = real - i;
      index.set([clamp(i - 1), clamp(i), clamp(i + 1), clamp(i + 2)], at);
      weight.set([cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)], at);
    } else {
      const start = Math.floor((o * size) / out);
      const end = Math.ceil(((o + 1) * size) / out);
      for (let k = 0; k < count; k++) {
        index[at + k] = clamp(start + k);
        weight[at + k] = start + k < end ? 1 / (end - start) : 0;
      }
    }
  }
  return { index, weight, count };
}

/** Resamples `planes` planes of h×w (planar layout) to oh×ow. */
export function resamplePlanes(src: Float32Array, planes: number, h: number, w: number, oh: number, ow: number, method: ResampleMethod): Float32Array {
  const tx = taps(w, ow, method);
  const ty = taps(h, oh, method);
  const rows = new Float64Array(h * ow);
  const out = new Float32Array(planes * oh * ow);
  for (let p = 0; p < planes; p++) {
    const base = p * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < ow; x++) {
        let sum = 0;
        for (let k = 0; k < tx.count; k++)
          sum += (tx.weight[x * tx.count + k] as number) * (src[base + y * w + (tx.index[x * tx.count + k] as number)] as number);
        rows[y * ow + x] = sum;
      }
    }
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        let sum = 0;
        for (let k = 0; k < ty.count; k++) sum += (ty.weight[y * ty.count + k] as number) * (rows[(ty.index[y * ty.count + k] as number) * ow + x] as number);
        out[p * oh * ow + y * ow + x] = sum;
      }
    }
  }
  return out;
}
