/** ConditioningAverage: a weighted mix of two prompts' hidden states (ComfyUI's Conditioning (Average)). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { CONDITIONING } from '../ports.ts';
import { averageConditioning } from '../sd/conditioning/ops.ts';

export const conditioningAverageNode = () =>
  defineNode({
    type: 'ConditioningAverage',
    category: 'conditioning',
    description:
      "ComfyUI's Conditioning (Average): to·strength + from·(1 − strength) per token, from cut or zero-padded to to's length; pooled outputs mix the same way. The result is one entry, so UNetSampler takes it too.",
    inputs: { conditioningTo: { type: CONDITIONING }, conditioningFrom: { type: CONDITIONING } },
    params: { conditioningToStrength: param(z.number().min(0).max(1).default(1), 'Weight of conditioningTo (1 = only it)', 'slider') },
    outputs: { conditioning: CONDITIONING },
    run: ({ conditioningTo, conditioningFrom }, { conditioningToStrength }, ctx) => ({
      conditioning: averageConditioning(conditioningTo, conditioningFrom, conditioningToStrength, ctx.log),
    }),
  });
