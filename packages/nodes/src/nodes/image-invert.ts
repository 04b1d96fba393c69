/** ImageInvert: 1 − value for every channel (ComfyUI's "Invert Image"). */
import { defineNode } from '@loom/engine';
import { IMAGE } from '../ports.ts';
import { invertImage } from '../sd/image-ops/image-ops.ts';

export const imageInvertNode = () =>
  defineNode({
    type: 'ImageInvert',
    category: 'image',
    description: "ComfyUI's Invert Image: every channel becomes 1 − value.",
    inputs: { images: { type: IMAGE } },
    params: {},
    outputs: { images: IMAGE },
    run: ({ images }) => ({ images: invertImage(images) }),
  });
