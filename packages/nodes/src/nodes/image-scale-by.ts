/** ImageScaleBy: resizes images by a factor (ComfyUI's "Upscale Image By"), with ImageScale's kernels. */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { IMAGE } from '../ports.ts';
import { IMAGE_SCALE_METHODS, resizeImages } from '../sd/upscale/image-resize.ts';
import { roundHalfEven } from '../sd/schedulers/numpy-compat.ts';

export const imageScaleByNode = () =>
  defineNode({
    type: 'ImageScaleBy',
    category: 'image/upscaling',
    description:
      "ComfyUI's Upscale Image By: width and height times scaleBy, rounded as Python's round(), resized as ImageScale does (sharp kernels; area as torch's adaptive average pooling).",
    inputs: { images: { type: IMAGE } },
    params: {
      method: param(z.enum(IMAGE_SCALE_METHODS).default('nearest-exact'), 'Resampling kernel'),
      scaleBy: param(z.number().min(0.01).max(8).default(1), 'Scale factor'),
    },
    outputs: { images: IMAGE },
    run: async ({ images }, { method, scaleBy }) => {
      const [, h, w] = images.shape;
      const width = Math.max(1, roundHalfEven(w * scaleBy));
      const height = Math.max(1, roundHalfEven(h * scaleBy));
      if (width === w && height === h) return { images };
      return { images: await resizeImages(images, width, height, method, 'disabled') };
    },
  });
