/** ConditioningConcat: appends one prompt's tokens to another's (ComfyUI's Conditioning (Concat)). */
import { defineNode } from '@loom/engine';
import { CONDITIONING } from '../ports.ts';
import { concatConditioning } from '../sd/conditioning/ops.ts';

export const conditioningConcatNode = () =>
  defineNode({
    type: 'ConditioningConcat',
    category: 'conditioning',
    description:
      "ComfyUI's Conditioning (Concat): the first entry of conditioningFrom is appended along the token axis to every entry of conditioningTo, which keeps its own area, strength and pooled output.",
    inputs: { conditioningTo: { type: CONDITIONING }, conditioningFrom: { type: CONDITIONING } },
    params: {},
    outputs: { conditioning: CONDITIONING },
    run: ({ conditioningTo, conditioningFrom }, _params, ctx) => ({ conditioning: concatConditioning(conditioningTo, conditioningFrom, ctx.log) }),
  });
