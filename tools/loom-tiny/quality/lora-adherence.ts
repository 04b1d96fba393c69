/**
 * Prompt adherence under each LoRA (issue 22): the style check's pictures at strength 1 ("…, loom
 * style" on held-out prompts, seed = index) read by the checker, whose palette and size thresholds
 * include the styled world's shades and outline (thresholds.ts). A style LoRA passes when it restyles
 * the picture and keeps what the prompt asked for: colour, shape and position all right. The base
 * model's pictures of the same styled prompts are judged beside them for comparison.
 */
import { ATTRIBUTES, judge, shares, type Attribute, type Judgement } from './adherence.ts';
import type { Detection } from './checker.ts';
import type { HeldOutPrompt } from './held-out.ts';
import type { RgbImage } from './image.ts';
import type { StyleResult } from './style-eval.ts';

/** One LoRA picture the checker did not read as the prompt says. */
export interface LoraMiss {
  index: number;
  prompt: string;
  expected: Record<Attribute, string>;
  detection: Detection;
}

export interface LoraAdherenceSeries {
  /** LoRA rank; undefined for the base model on the same styled prompts. */
  rank?: number;
  count: number;
  adherence: number;
  perAttribute: Record<Attribute, number>;
  misses: LoraMiss[];
}

export interface LoraAdherenceResult {
  base: LoraAdherenceSeries;
  ranks: (LoraAdherenceSeries & { rank: number })[];
}

function series(
  images: readonly RgbImage[],
  expected: readonly HeldOutPrompt[],
  prompts: readonly string[],
  check: (image: RgbImage) => Detection,
): Omit<LoraAdherenceSeries, 'rank'> {
  const judged: (Judgement & LoraMiss)[] = images.map((image, index) => {
    const want = expected[index] as HeldOutPrompt;
    const detection = check(image);
    return {
      index,
      prompt: prompts[index] as string,
      expected: Object.fromEntries(ATTRIBUTES.map((a) => [a, want[a]])) as Record<Attribute, string>,
      detection,
      ...judge(detection, want),
    };
  });
  return {
    count: judged.length,
    ...shares(judged),
    misses: judged.filter((j) => !j.adheres).map(({ index, prompt, expected: e, detection }) => ({ index, prompt, expected: e, detection })),
  };
}

/**
 * Judges the style check's strength-1 pictures. `expected[i]` is the scene behind `style.prompts[i]`
 * (the held-out prompt the style tag was appended to).
 */
export function measureLoraAdherence(style: StyleResult, expected: readonly HeldOutPrompt[], check: (image: RgbImage) => Detection): LoraAdherenceResult {
  if (expected.length !== style.prompts.length)
    throw new Error(`LoRA adherence needs one scene per style prompt (${expected.length} scenes, ${style.prompts.length} prompts)`);
  return {
    base: series(style.base.images, expected, style.prompts, check),
    ranks: style.ranks.map((r) => ({ rank: r.rank, ...series(r.images, expected, style.prompts, check) })),
  };
}
