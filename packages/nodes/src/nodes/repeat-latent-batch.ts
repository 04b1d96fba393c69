/** RepeatLatentBatch: the latent batch repeated `amount` times (ComfyUI's "Repeat Latent Batch"). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { LATENT } from '../ports.ts';
import { repeatLatentBatch } from '../sd/latent-ops/latent-batch.ts';

export const repeatLatentBatchNode = () =>
  defineNode({
    type: 'RepeatLatentBatch',
    category: 'latent/batch',
    description:
      "ComfyUI's Repeat Latent Batch: the whole batch tiled amount times, with its noise mask; batch indices continue past the highest (so each copy gets fresh noise).",
    inputs: { latent: { type: LATENT } },
    params: { amount: param(z.int().min(1).max(64).default(1), 'How many copies') },
    outputs: { latent: LATENT },
    run: ({ latent }, { amount }) => ({ latent: repeatLatentBatch(latent, amount) }),
  });
