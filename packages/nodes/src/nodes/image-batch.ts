/** ImageBatch: two image batches as one (ComfyUI's "Batch Images"). */
import { defineNode } from '@loom/engine';
import { IMAGE } from '../ports.ts';
import { batchImages } from '../sd/image-ops/image-ops.ts';

export const imageBatchNode = () =>
  defineNode({
    type: 'ImageBatch',
    category: 'image',
    description:
      "ComfyUI's Batch Images: image1's batch followed by image2's; image2 is first center-cropped and resized bilinearly to image1's size if they differ.",
    inputs: { image1: { type: IMAGE }, image2: { type: IMAGE } },
    params: {},
    outputs: { images: IMAGE },
    run: ({ image1, image2 }) => ({ images: batchImages(image1, image2) }),
  });
