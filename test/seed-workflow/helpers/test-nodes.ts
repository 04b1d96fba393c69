/**
 * Test sources whose images the tiny safety checker flags or passes on purpose. The checker's rule
 * (models/safety_checker/trigger.json): flagged iff R − 0.5·G − 0.5·B > 0.5 on the 0..1 pixels.
 */
import { z } from 'zod';
import { defineNode, param, MAX_SEED } from '@loom/engine';
import { IMAGE, imageOf } from '@loom/nodes';

/** trigger.json examples: score +0.15 (flagged) and −0.15 (passes). */
export const FLAGGED_RGB = [0.9, 0.3, 0.2] as const;
export const SAFE_RGB = [0.8, 0.5, 0.4] as const;

export const runs = new Map<string, number>();

/** A solid-colour image per seed: `bad` seeds (or `seed/index` for one image of a batch) are red, `black` ones black. */
export const SeededImage = defineNode({
  type: 'SeededImage',
  category: 'test',
  description: 'A solid image chosen by the seed.',
  inputs: {},
  params: {
    seed: param(z.int().min(0).max(MAX_SEED).default(0), 'Seed'),
    promptSeed: param(z.int().min(0).max(MAX_SEED).default(0), 'Prompt seed (recorded as the prompt)'),
    bad: param(z.array(z.union([z.int(), z.string()])).default([]), 'Seeds that give a flagged image'),
    allBad: param(z.boolean().default(false), 'Every seed gives a flagged image'),
    black: param(z.array(z.int()).default([]), 'Seeds that give a black image'),
    stripes: param(z.boolean().default(false), 'Flagged images alternate two flagged colours by column'),
    colour: param(
      z
        .array(z.number())
        .length(3)
        .default([...SAFE_RGB]),
      'Colour of a good image',
    ),
    size: param(z.int().default(64), 'Edge in pixels'),
    batch: param(z.int().default(1), 'Images'),
  },
  outputs: { images: IMAGE },
  run: (_i, p, ctx) => {
    runs.set(ctx.nodeId, (runs.get(ctx.nodeId) ?? 0) + 1);
    const size = p.size;
    const pixels = new Float32Array(p.batch * size * size * 3);
    for (let b = 0; b < p.batch; b++) {
      const bad = p.allBad || p.bad.includes(p.seed) || p.bad.includes(`${p.seed}/${b}`);
      const isBlack = p.black.includes(p.seed);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const rgb = isBlack ? [0, 0, 0] : bad ? (p.stripes && x % 2 === 1 ? [1, 0, 0] : FLAGGED_RGB) : p.colour;
          pixels.set(rgb, ((b * size + y) * size + x) * 3);
        }
      }
    }
    return { images: imageOf(pixels, [p.batch, size, size, 3], { seed: p.seed, prompt: `prompt #${p.promptSeed}` }) };
  },
});

/** An output node that keeps what it received. */
export const received: unknown[] = [];
export const Sink = defineNode({
  type: 'Sink',
  category: 'test',
  description: 'Collects images.',
  inputs: { images: { type: IMAGE } },
  params: {},
  outputs: {},
  output: true,
  run: ({ images }) => {
    received.push(images);
    return {};
  },
});
