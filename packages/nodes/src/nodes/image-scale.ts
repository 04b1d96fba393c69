/** ImageScale: resizes images (lanczos3, cubic, linear, nearest through sharp; area in JS), ComfyUI's "Upscale Image". */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { IMAGE } from '../ports.ts';
import { IMAGE_SCALE_METHODS, resizeImages } from '../sd/upscale/image-resize.ts';
import { targetSize } from '../sd/upscale/target-size.ts';

const dimension = (what: string) => param(z.int().min(0).max(16384).default(512), `Target ${what} in pixels; 0 keeps the aspect ratio`);

export const imageScaleNode = () =>
  defineNode({
    type: 'ImageScale',
    category: 'image/upscaling',
    description:
      'Resizes images with sharp (libvips): lanczos3, cubic, linear or nearest (ComfyUI names lanczos, bicubic, bilinear, nearest-exact also accepted), or area averaging. A 0 width or height keeps the aspect ratio; crop: center crops to the target aspect first.',
    inputs: { images: { type: IMAGE } },
    params: {
      method: param(z.enum(IMAGE_SCALE_METHODS).default('lanczos3'), 'Resampling kernel'),
      width: dimension('width'),
      height: dimension('height'),
      crop: param(z.enum(['disabled', 'center']).default('disabled'), 'center: crop to the target aspect ratio before scaling'),
    },
    outputs: { images: IMAGE },
    run: async ({ images }, { method, width, height, crop }) => {
      const size = targetSize(width, height, images.shape[2], images.shape[1]);
      if (size.width === images.shape[2] && size.height === images.shape[1] && crop === 'disabled') return { images };
      return { images: await resizeImages(images, size.width, size.height, method, crop) };
    },
  });
