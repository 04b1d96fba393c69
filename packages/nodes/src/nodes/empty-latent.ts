/** EmptyLatent: a batch of zero latents at an image size that is a multiple of 8. */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { LATENT, latentOf } from '../ports.ts';

const size = (what: string, fallback: number) =>
  param(
    z
      .int()
      .min(8)
      .max(8192)
      .default(fallback)
      .refine((v) => v % 8 === 0, { message: 'must be a multiple of 8 (the VAE downsamples by 8)' }),
    `Image ${what} in pixels (a multiple of 8)`,
  );

export const emptyLatentNode = () =>
  defineNode({
    type: 'EmptyLatent',
    category: 'latent',
    description: 'An empty latent batch to start text-to-image sampling from.',
    inputs: {},
    params: {
      width: size('width', 64),
      height: size('height', 64),
      batchSize: param(z.int().min(1).max(64).default(1), 'Images per batch'),
    },
    outputs: { latent: LATENT },
    run: (_inputs, { width, height, batchSize }) => ({
      latent: latentOf(new Float32Array(batchSize * 4 * (height / 8) * (width / 8)), [batchSize, 4, height / 8, width / 8]),
    }),
  });
