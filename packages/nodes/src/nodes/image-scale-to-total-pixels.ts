/** ImageScaleToTotalPixels: resizes images to about N megapixels, keeping the aspect (ComfyUI's node of that name). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { IMAGE } from '../ports.ts';
import { IMAGE_SCALE_METHODS, resizeImages } from '../sd/upscale/image-resize.ts';
import { roundHalfEven } from '../sd/schedulers/numpy-compat.ts';

/**
 * comfy_extras/nodes_post_processing.py ImageScaleToTotalPixels: `total = int(megapixels·1024²)`,
 * `s = sqrt(total / (w·h))`, each side `round(side·s / steps)·steps` with Python's round.
 */
export function totalPixelsSize(width: number, height: number, megapixels: number, steps: number): { width: number; height: number } {
  const scale = Math.sqrt(Math.trunc(megapixels * 1024 * 1024) / (width * height));
  const side = (v: number): number => Math.max(steps, roundHalfEven((v * scale) / steps) * steps);
  return { width: side(width), height: side(height) };
}

export const imageScaleToTotalPixelsNode = () =>
  defineNode({
    type: 'ImageScaleToTotalPixels',
    category: 'image/upscaling',
    description:
      "ComfyUI's ImageScaleToTotalPixels: scales to megapixels × 1024² pixels in total, keeping the aspect ratio, each side rounded to a multiple of resolutionSteps.",
    inputs: { images: { type: IMAGE } },
    params: {
      method: param(z.enum(IMAGE_SCALE_METHODS).default('nearest-exact'), 'Resampling kernel'),
      megapixels: param(z.number().min(0.01).max(16).default(1), 'Target size in megapixels (1 = 1024²)'),
      resolutionSteps: param(z.int().min(1).max(256).default(1), 'Each side becomes a multiple of this'),
    },
    outputs: { images: IMAGE },
    run: async ({ images }, { method, megapixels, resolutionSteps }) => {
      const [, h, w] = images.shape;
      const size = totalPixelsSize(w, h, megapixels, resolutionSteps);
      if (size.width === w && size.height === h) return { images };
      return { images: await resizeImages(images, size.width, size.height, method, 'disabled') };
    },
  });
