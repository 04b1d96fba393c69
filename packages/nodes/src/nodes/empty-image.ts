/** EmptyImage: a batch of one-colour images (ComfyUI's "EmptyImage"). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { IMAGE } from '../ports.ts';
import { emptyImage } from '../sd/image-ops/image-ops.ts';

const side = (what: string) => param(z.int().min(1).max(16384).default(512), `${what} in pixels`);

export const emptyImageNode = () =>
  defineNode({
    type: 'EmptyImage',
    category: 'image',
    description: "ComfyUI's EmptyImage: batchSize images filled with color (0xRRGGBB as an integer; 0 = black).",
    inputs: {},
    params: {
      width: side('Width'),
      height: side('Height'),
      batchSize: param(z.int().min(1).max(4096).default(1), 'Images in the batch'),
      color: param(z.int().min(0).max(0xffffff).default(0), 'Fill colour as 0xRRGGBB'),
    },
    outputs: { images: IMAGE },
    run: (_inputs, { width, height, batchSize, color }) => ({ images: emptyImage(width, height, batchSize, color) }),
  });
