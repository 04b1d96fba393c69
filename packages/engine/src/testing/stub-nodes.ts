/**
 * A tiny node pack for engine tests and benchmarks: numbers flow through `Add`/`Scale`/`Slow` nodes and
 * end in `Collect`. Each node counts its executions so tests can assert exactly what re-ran.
 */
import { z } from 'zod';
import { defineNode, param } from '../node.ts';
import { definePortType, FLOAT, INT } from '../port-types.ts';

export const NUMBER_LIST = definePortType<number[]>({
  name: 'NUMBER_LIST',
  description: 'A list of numbers',
  color: '#999999',
  guard: (v): v is number[] => Array.isArray(v),
});

export const runCounts = new Map<string, number>();
const count = (nodeId: string): void => void runCounts.set(nodeId, (runCounts.get(nodeId) ?? 0) + 1);

export const Source = defineNode({
  type: 'Source',
  category: 'test',
  description: 'Emits a number.',
  inputs: {},
  params: { value: param(z.number().min(-1000).max(1000).default(1), 'The number') },
  outputs: { out: FLOAT },
  run: (_i, { value }, ctx) => {
    count(ctx.nodeId);
    return { out: value };
  },
});

export const Add = defineNode({
  type: 'Add',
  category: 'test',
  description: 'Adds two numbers.',
  inputs: { a: { type: FLOAT }, b: { type: FLOAT, optional: true } },
  params: {},
  outputs: { sum: FLOAT },
  run: ({ a, b }, _p, ctx) => {
    count(ctx.nodeId);
    return { sum: a + (b ?? 0) };
  },
});

export const Scale = defineNode({
  type: 'Scale',
  category: 'test',
  description: 'Multiplies a number.',
  inputs: { x: { type: FLOAT } },
  params: {
    factor: param(z.number().min(0).max(10).default(2), 'Multiplier'),
    mode: param(z.enum(['mul', 'div']).default('mul'), 'Operation'),
  },
  outputs: { y: FLOAT },
  run: ({ x }, { factor, mode }, ctx) => {
    count(ctx.nodeId);
    return { y: mode === 'mul' ? x * factor : x / factor };
  },
});

/** Waits `ms` in steps, reporting progress and honouring cancellation. */
export const Slow = defineNode({
  type: 'Slow',
  category: 'test',
  description: 'Passes a number through after a delay.',
  inputs: { x: { type: FLOAT } },
  params: { ms: param(z.int().min(0).max(10_000).default(20), 'Delay'), steps: param(z.int().min(1).default(4), 'Steps') },
  outputs: { y: FLOAT },
  run: async ({ x }, { ms, steps }, ctx) => {
    count(ctx.nodeId);
    for (let step = 1; step <= steps; step++) {
      await new Promise((resolve) => setTimeout(resolve, ms / steps));
      ctx.throwIfCancelled();
      ctx.progress(step, steps);
    }
    return { y: x };
  },
});

export const Fail = defineNode({
  type: 'Fail',
  category: 'test',
  description: 'Always throws.',
  inputs: { x: { type: FLOAT } },
  params: {},
  outputs: { y: FLOAT },
  run: () => {
    throw new Error('boom');
  },
});

export const Collect = defineNode({
  type: 'Collect',
  category: 'test',
  description: 'An output node gathering numbers.',
  inputs: { a: { type: FLOAT }, b: { type: FLOAT, optional: true } },
  params: { label: param(z.string().default('result'), 'Label') },
  outputs: { values: NUMBER_LIST },
  output: true,
  run: ({ a, b }, { label }, ctx) => {
    count(ctx.nodeId);
    const values = b === undefined ? [a] : [a, b];
    ctx.ui({ values, label: [label] });
    return { values };
  },
});

/** Two whole numbers from one: `value` and `value × 10`. */
export const Pair = defineNode({
  type: 'Pair',
  category: 'test',
  description: 'Emits a number and ten times it.',
  inputs: {},
  params: { value: param(z.int().default(1), 'The number') },
  outputs: { first: INT, second: INT },
  run: (_inputs, { value }, ctx) => {
    count(ctx.nodeId);
    return { first: value, second: value * 10 };
  },
});

/**
 * A retry loop on the lazy-input construct: re-evaluates `x` with its `seed` input's source bound to
 * seed, seed+1, … until the value exceeds `threshold`; reports every attempt.
 */
export const FirstAbove = defineNode({
  type: 'FirstAbove',
  category: 'test',
  description: 'Retries an upstream subgraph with new seeds.',
  inputs: { x: { type: FLOAT, lazy: true } },
  params: {
    seed: param(z.int().default(0), 'First seed (link it from the node the subgraph varies on)'),
    threshold: param(z.number().default(0), 'Accept the first value above this'),
    maxTries: param(z.int().min(1).default(5), 'Attempts'),
  },
  outputs: { y: FLOAT, tries: INT },
  run: async ({ x }, { seed, threshold, maxTries }, ctx) => {
    count(ctx.nodeId);
    const attempts: number[] = [];
    for (let i = 0; i < maxTries; i++) {
      const value = await x.evaluate(i === 0 ? {} : { seed: seed + i });
      attempts.push(value);
      if (value > threshold) {
        ctx.ui({ attempts });
        return { y: value, tries: i + 1 };
      }
    }
    throw new Error(`no value above ${threshold} in ${maxTries} tries: ${attempts.join(', ')}`);
  },
});

export const stubNodes = [Source, Add, Scale, Slow, Fail, Collect, Pair, FirstAbove];
