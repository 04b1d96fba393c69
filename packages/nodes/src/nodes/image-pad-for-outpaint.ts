/** ImagePadForOutpaint: pads images and masks the padding for outpainting (ComfyUI's "Pad Image for Outpainting"). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { IMAGE, MASK } from '../ports.ts';
import { padForOutpaint } from '../sd/image-ops/image-ops.ts';

const pad = (side: string) => param(z.int().min(0).max(16384).default(0), `Pixels added on the ${side}`);

export const imagePadForOutpaintNode = () =>
  defineNode({
    type: 'ImagePadForOutpaint',
    category: 'image',
    description:
      "ComfyUI's Pad Image for Outpainting: grey padding on each side, and a mask that is 1 over the padding and fades (quadratically over `feathering` pixels) into the image along the padded edges. Feed both to VAEEncodeForInpaint.",
    inputs: { images: { type: IMAGE } },
    params: {
      left: pad('left'),
      top: pad('top'),
      right: pad('right'),
      bottom: pad('bottom'),
      feathering: param(z.int().min(0).max(16384).default(40), 'Fade width inside the image, in pixels'),
    },
    outputs: { images: IMAGE, mask: MASK },
    run: ({ images }, { left, top, right, bottom, feathering }) => padForOutpaint(images, left, top, right, bottom, feathering),
  });
