/** Primitive value nodes: constants that can feed any parameter of their type. */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { defineNode, param } from '../node.ts';
import { BOOLEAN, FLOAT, INT, STRING } from '../port-types.ts';

export const MAX_SEED = Number.MAX_SAFE_INTEGER;

export const StringNode = defineNode({
  type: 'String',
  category: 'utils/primitives',
  description: 'A text value.',
  inputs: {},
  params: { value: param(z.string().default(''), 'The text', 'textarea') },
  outputs: { value: STRING },
  run: (_inputs, { value }) => ({ value }),
});

export const IntNode = defineNode({
  type: 'Int',
  category: 'utils/primitives',
  description: 'A whole number.',
  inputs: {},
  params: { value: param(z.int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).default(0), 'The number') },
  outputs: { value: INT },
  run: (_inputs, { value }) => ({ value }),
});

export const FloatNode = defineNode({
  type: 'Float',
  category: 'utils/primitives',
  description: 'A number.',
  inputs: {},
  params: { value: param(z.number().default(0), 'The number') },
  outputs: { value: FLOAT },
  run: (_inputs, { value }) => ({ value }),
});

export const BooleanNode = defineNode({
  type: 'Boolean',
  category: 'utils/primitives',
  description: 'True or false.',
  inputs: {},
  params: { value: param(z.boolean().default(false), 'The value') },
  outputs: { value: BOOLEAN },
  run: (_inputs, { value }) => ({ value }),
});

export const SeedNode = defineNode({
  type: 'Seed',
  category: 'utils/primitives',
  description: 'A seed: fixed, or a fresh random one on every run (the value used is reported in the output).',
  inputs: {},
  params: {
    seed: param(z.int().min(0).max(MAX_SEED).default(0), 'The seed used in fixed mode', 'seed'),
    mode: param(z.enum(['fixed', 'random']).default('fixed'), 'fixed: always `seed`; random: a new seed each run'),
  },
  outputs: { seed: INT },
  // A random seed must never be served from the cache.
  fingerprint: ({ mode }) => (mode === 'random' ? `random:${randomInt(2 ** 47)}` : 'fixed'),
  run: (_inputs, { seed, mode }) => ({ seed: mode === 'random' ? randomInt(2 ** 47) : seed }),
});
