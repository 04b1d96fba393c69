/** Text utilities for building prompts out of parts. */
import { z } from 'zod';
import { LoomError } from '../errors.ts';
import { defineNode, param } from '../node.ts';
import { STRING } from '../port-types.ts';

const part = (name: string) => param(z.string().default(''), `Text ${name}`);

export const StringJoinNode = defineNode({
  type: 'StringJoin',
  category: 'utils/text',
  description: 'Joins up to four texts with a separator, skipping empty ones.',
  inputs: {},
  params: { a: part('a'), b: part('b'), c: part('c'), d: part('d'), separator: param(z.string().default(', '), 'Placed between parts') },
  outputs: { text: STRING },
  run: (_inputs, { a, b, c, d, separator }) => ({ text: [a, b, c, d].filter((s) => s.length > 0).join(separator) }),
});

export const StringFormatNode = defineNode({
  type: 'StringFormat',
  category: 'utils/text',
  description: 'Fills `{a}`, `{b}`, `{c}`, `{d}` in a template; `{{` and `}}` are literal braces.',
  inputs: {},
  params: {
    template: param(z.string().default('{a}'), 'Template with {a}..{d} placeholders', 'textarea'),
    a: part('a'),
    b: part('b'),
    c: part('c'),
    d: part('d'),
  },
  outputs: { text: STRING },
  run: (_inputs, values) => {
    const text = values.template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, name: string | undefined) => {
      if (match === '{{') return '{';
      if (match === '}}') return '}';
      if (name === 'a' || name === 'b' || name === 'c' || name === 'd') return values[name];
      throw new LoomError('PARAM_INVALID', `Template placeholder {${name}} is unknown; use {a}, {b}, {c} or {d}.`, { input: 'template' });
    });
    return { text };
  },
});

export const ShowTextNode = defineNode({
  type: 'ShowText',
  category: 'utils/text',
  description: 'Shows a text as a run result (an output node).',
  inputs: {},
  params: { text: param(z.string().default(''), 'The text to show', 'textarea') },
  outputs: {},
  output: true,
  run: (_inputs, { text }, ctx) => {
    ctx.ui({ text: [text] });
    return {};
  },
});
