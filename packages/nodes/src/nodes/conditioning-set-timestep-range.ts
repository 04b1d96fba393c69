/** ConditioningSetTimestepRange: applies a prompt during part of sampling only (ComfyUI's node of that name). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { CONDITIONING } from '../ports.ts';
import { withFields } from '../sd/conditioning/ops.ts';

const fraction = (what: string, fallback: number) =>
  param(z.number().min(0).max(1).default(fallback), `${what}, as a fraction of sampling (0 = first step)`, 'slider');

export const conditioningSetTimestepRangeNode = () =>
  defineNode({
    type: 'ConditioningSetTimestepRange',
    category: 'conditioning',
    description:
      "ComfyUI's ConditioningSetTimestepRange: every entry applies only between start and end (fractions of the model's full σ range, ComfyUI's start_percent/end_percent, compared with each step's σ through percent_to_sigma). Combine two prompts with complementary ranges to switch prompts mid-way; KSampler honours it, UNetSampler ignores it with a warning.",
    inputs: { conditioning: { type: CONDITIONING } },
    params: { start: fraction('Start', 0), end: fraction('End', 1) },
    outputs: { conditioning: CONDITIONING },
    run: ({ conditioning }, { start, end }) => ({ conditioning: withFields(conditioning, { timestepRange: [start, end] }) }),
  });
