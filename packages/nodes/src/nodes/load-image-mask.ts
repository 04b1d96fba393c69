/** LoadImageMask: one channel of an image file as a MASK (ComfyUI's "Load Image (as Mask)"). */
import { z } from 'zod';
import { atInput, defineNode, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { MASK } from '../ports.ts';
import { decodeMask, MASK_CHANNELS } from '../images/mask-codec.ts';
import { inputImageStamp, readInputImage } from '../images/read-input.ts';

export const loadImageMaskNode = (config: NodePackConfig) =>
  defineNode({
    type: 'LoadImageMask',
    category: 'mask',
    description:
      "ComfyUI's Load Image (as Mask): one channel of an image in the input folder, 0..1; alpha is inverted (transparent = 1), and an image without alpha gives an all-zero alpha mask.",
    inputs: {},
    params: {
      image: param(z.string().min(1), 'Image file inside the input folder', { file: 'input' }),
      channel: param(z.enum(MASK_CHANNELS).default('alpha'), 'Which channel becomes the mask'),
    },
    outputs: { mask: MASK },
    fingerprint: inputImageStamp(config.inputDir),
    run: async (_inputs, { image, channel }) => {
      const { path, bytes } = await readInputImage(config.inputDir, image);
      return { mask: await atInput('image', () => decodeMask(bytes, path, channel)) };
    },
  });
