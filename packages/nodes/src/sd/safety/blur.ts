/**
 * Censoring by blur: the all-fail policy that keeps an image's composition but not its detail. A
 * Gaussian blur through sharp (libvips `gaussblur`) on 16-bit RGB, so no 8-bit banding is added.
 */
import sharp from 'sharp';
import type { ImageBatch } from '../../ports.ts';

/** Image `index` of the batch, blurred with Gaussian `sigma` (pixels): [H,W,3] floats in 0..1. */
export async function blurImage(images: ImageBatch, index: number, sigma: number): Promise<Float32Array> {
  const [, height, width] = images.shape;
  const size = height * width * 3;
  const u16 = new Uint16Array(size);
  for (let i = 0; i < size; i++) u16[i] = Math.round(Math.min(1, Math.max(0, images.pixels[index * size + i] as number)) * 65535);
  // A 16-bit raw input is read as libvips' RGB16 interpretation; staying in rgb16 keeps 16 bits out.
  const out = await sharp(u16, { raw: { width, height, channels: 3 } })
    .blur(sigma)
    .toColourspace('rgb16')
    .raw({ depth: 'ushort' })
    .toBuffer();
  const values = new Uint16Array(out.buffer, out.byteOffset, out.byteLength / 2);
  return Float32Array.from(values, (v) => v / 65535);
}
