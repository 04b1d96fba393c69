/**
 * Resizing IMAGE batches. Kernels run in sharp (libvips) on 16-bit RGB, so resizing adds no 8-bit
 * banding; `area` (no libvips equivalent) is torch's adaptive average pooling in JS (resample.ts).
 * libvips shrinks with the chosen kernel (lanczos3, cubic, linear, nearest) and enlarges with its
 * interpolators: nearest, bilinear, and bicubic for every cubic/lanczos kernel (libvips `vips_resize`).
 * ComfyUI's method names map onto these: nearest-exact → nearest, bilinear → linear, bicubic → cubic,
 * lanczos → lanczos3.
 */
import sharp from 'sharp';
import type { ImageBatch } from '../../ports.ts';
import { resamplePlanes } from './resample.ts';
import { cropPlanes, cropRect, type CropRect } from './target-size.ts';
import { imageToPlanes, planesToImage } from './planes.ts';

export const IMAGE_SCALE_METHODS = ['lanczos3', 'cubic', 'linear', 'nearest', 'area', 'nearest-exact', 'bilinear', 'bicubic', 'lanczos'] as const;
export type ImageScaleMethod = (typeof IMAGE_SCALE_METHODS)[number];

const SHARP_KERNEL = {
  lanczos3: 'lanczos3',
  lanczos: 'lanczos3',
  cubic: 'cubic',
  bicubic: 'cubic',
  linear: 'linear',
  bilinear: 'linear',
  nearest: 'nearest',
  'nearest-exact': 'nearest',
} as const;

async function sharpResize(
  images: ImageBatch,
  index: number,
  rect: CropRect,
  width: number,
  height: number,
  kernel: (typeof SHARP_KERNEL)[keyof typeof SHARP_KERNEL],
): Promise<Float32Array> {
  const [, h, w] = images.shape;
  const size = h * w * 3;
  const u16 = new Uint16Array(size);
  for (let i = 0; i < size; i++) u16[i] = Math.round(Math.min(1, Math.max(0, images.pixels[index * size + i] as number)) * 65535);
  // 16-bit raw input is libvips' RGB16; staying in rgb16 keeps 16 bits out.
  const out = await sharp(u16, { raw: { width: w, height: h, channels: 3 } })
    .extract(rect)
    .resize(width, height, { kernel, fit: 'fill' })
    .toColourspace('rgb16')
    .raw({ depth: 'ushort' })
    .toBuffer();
  return Float32Array.from(new Uint16Array(out.buffer, out.byteOffset, out.byteLength / 2), (v) => v / 65535);
}

export async function resizeImages(
  images: ImageBatch,
  width: number,
  height: number,
  method: ImageScaleMethod,
  crop: 'disabled' | 'center',
): Promise<ImageBatch> {
  const [batch, h, w] = images.shape;
  const rect = cropRect(w, h, width, height, crop);
  const pixels = new Float32Array(batch * width * height * 3);
  for (let b = 0; b < batch; b++) {
    if (method === 'area') {
      const planes = cropPlanes(imageToPlanes(images, b), 3, h, w, rect);
      planesToImage(resamplePlanes(planes, 3, rect.height, rect.width, height, width, 'area'), height, width, pixels, b);
    } else {
      pixels.set(await sharpResize(images, b, rect, width, height, SHARP_KERNEL[method]), b * width * height * 3);
    }
  }
  return { kind: 'image', pixels, shape: [batch, height, width, 3], meta: images.meta };
}
