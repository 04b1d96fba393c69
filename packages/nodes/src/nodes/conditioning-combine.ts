/** ConditioningCombine: both conditionings as one list of entries (ComfyUI's `conditioning_1 + conditioning_2`). */
import { defineNode } from '@loom/engine';
import { CONDITIONING, conditioningEntries, conditioningOf } from '../ports.ts';

export const conditioningCombineNode = () =>
  defineNode({
    type: 'ConditioningCombine',
    category: 'conditioning',
    description:
      "ComfyUI's Conditioning (Combine): keeps both conditionings as separate entries; KSampler evaluates each entry and averages their denoised outputs, weighted by strength and area (ComfyUI's calc_cond_batch); UNetSampler refuses combined conditionings.",
    inputs: { conditioning1: { type: CONDITIONING }, conditioning2: { type: CONDITIONING } },
    params: {},
    outputs: { conditioning: CONDITIONING },
    run: ({ conditioning1, conditioning2 }) => ({
      conditioning: conditioningOf([...conditioningEntries(conditioning1), ...conditioningEntries(conditioning2)]),
    }),
  });
