/** IMAGE batches (NHWC, interleaved RGB) to and from planar CHW data, one image at a time. */
import type { ImageBatch } from '../../ports.ts';

export function imageToPlanes(images: ImageBatch, index: number): Float32Array {
  const [, h, w] = images.shape;
  const plane = h * w;
  const out = new Float32Array(3 * plane);
  const base = index * plane * 3;
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = images.pixels[base + p * 3 + c] as number;
  return out;
}

/** Writes CHW planes into an NHWC buffer at image `index`, clamped to 0..1 (IMAGE values are 0..1). */
export function planesToImage(planes: Float32Array, h: number, w: number, into: Float32Array, index: number): void {
  const plane = h * w;
  const base = index * plane * 3;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = planes[c * plane + p] as number;
      into[base + p * 3 + c] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
}
