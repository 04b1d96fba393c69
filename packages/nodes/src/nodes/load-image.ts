/** LoadImage: an image file from the input folder → IMAGE. */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { atInput, defineNode, LoomError, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { IMAGE } from '../ports.ts';
import { decodeImage } from '../images/image-codec.ts';
import { fileStamp, resolveInside } from '../model-files.ts';

export const loadImageNode = (config: NodePackConfig) =>
  defineNode({
    type: 'LoadImage',
    category: 'image',
    description: 'Loads a PNG, JPEG or WebP from the input folder (uploads land there). Alpha is dropped.',
    inputs: {},
    params: { image: param(z.string().min(1), 'Image file inside the input folder', { file: 'input' }) },
    outputs: { images: IMAGE },
    fingerprint: async ({ image }) => (image === undefined ? '' : fileStamp(await resolveInside(config.inputDir, image, 'Image').catch(() => ''))),
    run: async (_inputs, { image }) =>
      atInput('image', async () => {
        const path = await resolveInside(config.inputDir, image, 'Image');
        const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
          throw new LoomError(err.code === 'ENOENT' ? 'MODEL_NOT_FOUND' : 'BAD_FILE', `Cannot read image ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`, { cause: err });
        });
        return { images: await decodeImage(bytes, path) };
      }),
  });
