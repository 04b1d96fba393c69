/**
 * ComfyUI's `bislerp` latent upscale (comfy/utils.py `bislerp`), re-derived: each axis in turn (width,
 * then height) is resampled by spherical interpolation between two neighbouring latent vectors (the
 * channel vector of a pixel), instead of a linear mix:
 * - neighbours and ratio come from torch's bilinear interpolation (align_corners=False) of the index
 *   sequences `0…n−1` and `1…n−1, n−1`, truncated to integers; computed in float32 as torch does, since
 *   the truncation is sensitive to the last bit;
 * - slerp of b1, b2 at ratio r: the unit vectors are slerped, `(sin((1−r)ω)·u1 + sin(rω)·u2) / sin ω` with
 *   `ω = acos(u1·u2)`, then scaled by the lerped norms `|b1|(1−r) + |b2|r`; nearly parallel vectors
 *   (dot > 1 − 1e−5) give b1, nearly opposite ones (dot < −1 + 1e−5) the plain lerp.
 */
import { RESAMPLE_METHODS, resamplePlanes } from './resample.ts';

const f = Math.fround;

/** torch bilinear (align_corners=False) of `values` (length `old`) to `out` points, in float32. */
function interpolate1d(values: readonly number[], out: number): number[] {
  const old = values.length;
  const scale = f(old / out);
  return Array.from({ length: out }, (_, o) => {
    const real = Math.max(f(f(scale * f(o + 0.5)) - 0.5), 0);
    const i0 = Math.floor(real);
    const i1 = i0 < old - 1 ? i0 + 1 : i0;
    const l1 = f(real - i0);
    const l0 = f(1 - l1);
    return f(f(l0 * (values[i0] as number)) + f(l1 * (values[i1] as number)));
  });
}

interface AxisTaps {
  first: Int32Array;
  second: Int32Array;
  ratio: Float32Array;
}

function axisTaps(old: number, out: number): AxisTaps {
  const positions = interpolate1d(
    Array.from({ length: old }, (_, i) => i),
    out,
  );
  const seconds = interpolate1d(
    Array.from({ length: old }, (_, i) => Math.min(i + 1, old - 1)),
    out,
  );
  return {
    first: Int32Array.from(positions, Math.trunc),
    second: Int32Array.from(seconds, Math.trunc),
    ratio: Float32Array.from(positions, (p) => f(p - Math.floor(p))),
  };
}

function slerpInto(out: Float64Array, b1: Float64Array, b2: Float64Array, r: number): void {
  let n1 = 0;
  let n2 = 0;
  for (let c = 0; c < b1.length; c++) {
    n1 += (b1[c] as number) ** 2;
    n2 += (b2[c] as number) ** 2;
  }
  n1 = Math.sqrt(n1);
  n2 = Math.sqrt(n2);
  let dot = 0;
  for (let c = 0; c < b1.length; c++) dot += (n1 === 0 ? 0 : (b1[c] as number) / n1) * (n2 === 0 ? 0 : (b2[c] as number) / n2);
  if (dot > 1 - 1e-5) return void out.set(b1);
  if (dot < 1e-5 - 1) {
    for (let c = 0; c < b1.length; c++) out[c] = (b1[c] as number) * (1 - r) + (b2[c] as number) * r;
    return;
  }
  const omega = Math.acos(dot);
  const so = Math.sin(omega);
  const w1 = Math.sin((1 - r) * omega) / so;
  const w2 = Math.sin(r * omega) / so;
  const norm = n1 * (1 - r) + n2 * r;
  for (let c = 0; c < b1.length; c++) {
    out[c] = (w1 * (n1 === 0 ? 0 : (b1[c] as number) / n1) + w2 * (n2 === 0 ? 0 : (b2[c] as number) / n2)) * norm;
  }
}

/** Latents [batch, channels, h, w] (planar) resized to oh × ow by bislerp. */
export function bislerp(src: Float32Array, batch: number, channels: number, h: number, w: number, oh: number, ow: number): Float32Array {
  const tx = axisTaps(w, ow);
  const ty = axisTaps(h, oh);
  const b1 = new Float64Array(channels);
  const b2 = new Float64Array(channels);
  const res = new Float64Array(channels);
  const rows = new Float64Array(channels * h * ow);
  const out = new Float32Array(batch * channels * oh * ow);
  for (let n = 0; n < batch; n++) {
    const base = n * channels * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < ow; x++) {
        for (let c = 0; c < channels; c++) {
          b1[c] = src[base + (c * h + y) * w + (tx.first[x] as number)] as number;
          b2[c] = src[base + (c * h + y) * w + (tx.second[x] as number)] as number;
        }
        slerpInto(res, b1, b2, tx.ratio[x] as number);
        for (let c = 0; c < channels; c++) rows[(c * h + y) * ow + x] = res[c] as number;
      }
    }
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        for (let c = 0; c < channels; c++) {
          b1[c] = rows[(c * h + (ty.first[y] as number)) * ow + x] as number;
          b2[c] = rows[(c * h + (ty.second[y] as number)) * ow + x] as number;
        }
        slerpInto(res, b1, b2, ty.ratio[y] as number);
        for (let c = 0; c < channels; c++) out[n * channels * oh * ow + (c * oh + y) * ow + x] = res[c] as number;
      }
    }
  }
  return out;
}

/** The latent upscale methods of ComfyUI's LatentUpscale / LatentUpscaleBy. */
export const LATENT_UPSCALE_METHODS = [...RESAMPLE_METHODS, 'bislerp'] as const;
export type LatentUpscaleMethod = (typeof LATENT_UPSCALE_METHODS)[number];

/** Latents [batch, channels, h, w] resized by any latent method (bislerp here, the rest in resample.ts). */
export function resampleLatents(
  src: Float32Array,
  batch: number,
  channels: number,
  h: number,
  w: number,
  oh: number,
  ow: number,
  method: LatentUpscaleMethod,
): Float32Array {
  return method === 'bislerp' ? bislerp(src, batch, channels, h, w, oh, ow) : resamplePlanes(src, batch * channels, h, w, oh, ow, method);
}
