/** LatentFromBatch: picks latents out of a batch (ComfyUI's "Latent From Batch"). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { LATENT } from '../ports.ts';
import { latentFromBatch } from '../sd/latent-ops/latent-batch.ts';

export const latentFromBatchNode = () =>
  defineNode({
    type: 'LatentFromBatch',
    category: 'latent/batch',
    description:
      "ComfyUI's Latent From Batch: length items from batchIndex on (both clamped to the batch). They remember their index, so a sampler gives them the noise they had in the full batch.",
    inputs: { latent: { type: LATENT } },
    params: {
      batchIndex: param(z.int().min(0).max(4095).default(0), 'First item (0-based)'),
      length: param(z.int().min(1).max(4096).default(1), 'How many items'),
    },
    outputs: { latent: LATENT },
    run: ({ latent }, { batchIndex, length }) => ({ latent: latentFromBatch(latent, batchIndex, length) }),
  });
