/** ImageCrop: a rectangle of each image (ComfyUI's "Image Crop"). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { IMAGE } from '../ports.ts';
import { cropImage } from '../sd/image-ops/image-ops.ts';

const size = (what: string) => param(z.int().min(1).max(16384).default(512), `${what} of the crop in pixels (cut at the image edge)`);
const offset = (what: string) => param(z.int().min(0).max(16384).default(0), `${what} in pixels (at most the last pixel)`);

export const imageCropNode = () =>
  defineNode({
    type: 'ImageCrop',
    category: 'image/transform',
    description: "ComfyUI's Image Crop: width × height from (x, y); x and y are clamped to the image and the crop stops at its edge.",
    inputs: { images: { type: IMAGE } },
    params: { width: size('Width'), height: size('Height'), x: offset('Left edge'), y: offset('Top edge') },
    outputs: { images: IMAGE },
    run: ({ images }, { width, height, x, y }) => ({ images: cropImage(images, width, height, x, y) }),
  });
