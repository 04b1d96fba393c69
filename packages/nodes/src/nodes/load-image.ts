/** LoadImage: an image file from the input folder → IMAGE, and its alpha as a MASK (ComfyUI's Load Image). */
import { z } from 'zod';
import { atInput, defineNode, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { IMAGE, MASK } from '../ports.ts';
import { decodeImage } from '../images/image-codec.ts';
import { alphaMask } from '../images/mask-codec.ts';
import { inputImageStamp, readInputImage } from '../images/read-input.ts';

export const loadImageNode = (config: NodePackConfig) =>
  defineNode({
    type: 'LoadImage',
    category: 'image',
    description:
      'Loads a PNG, JPEG or WebP from the input folder (uploads land there). The image is RGB; its alpha becomes the mask (1 − alpha, transparent = selected; 64×64 zeros without alpha), as in ComfyUI.',
    inputs: {},
    params: { image: param(z.string().min(1), 'Image file inside the input folder', { file: 'input' }) },
    outputs: { images: IMAGE, mask: MASK },
    fingerprint: inputImageStamp(config.inputDir),
    run: async (_inputs, { image }) => {
      const { path, bytes } = await readInputImage(config.inputDir, image);
      return atInput('image', async () => ({ images: await decodeImage(bytes, path), mask: await alphaMask(bytes, path) }));
    },
  });
