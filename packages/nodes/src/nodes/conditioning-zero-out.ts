/** ConditioningZeroOut: the same conditioning with all-zero hidden states (ComfyUI's node of that name). */
import { defineNode } from '@loom/engine';
import { CONDITIONING } from '../ports.ts';
import { zeroOutConditioning } from '../sd/conditioning/ops.ts';

export const conditioningZeroOutNode = () =>
  defineNode({
    type: 'ConditioningZeroOut',
    category: 'conditioning',
    description:
      "ComfyUI's ConditioningZeroOut: hidden states and pooled outputs become zeros of the same shape (a true empty negative, as SDXL's force_zeros_for_empty_prompt).",
    inputs: { conditioning: { type: CONDITIONING } },
    params: {},
    outputs: { conditioning: CONDITIONING },
    run: ({ conditioning }) => ({ conditioning: zeroOutConditioning(conditioning) }),
  });
