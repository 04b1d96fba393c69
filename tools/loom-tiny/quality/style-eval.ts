/**
 * Style: the same "…, loom style" prompts and seeds on the base model and through each LoRA rank.
 * Accuracy at strength 1 is how often the style metric calls the picture right (base: not styled,
 * LoRA: styled) over both sets. The strength curve is the metric's mean per LoRA strength; strength
 * 0 goes through LoRALoader too, so the curve is one series of the same graph.
 */
import type { RgbImage } from './image.ts';
import type { Renderer } from './render.ts';
import { STYLE_THRESHOLD, styleMetric } from './style-metric.ts';
import type { World } from './world.ts';

export interface StylePoint {
  strength: number;
  /** Mean style score over the prompts. */
  mean: number;
  scores: number[];
}

export interface StyleRankResult {
  rank: number;
  /** (base pictures not styled + LoRA pictures styled) / both, at strength 1. */
  accuracy: number;
  /** LoRA pictures at strength 1 the metric calls styled. */
  loraStyled: number;
  curve: StylePoint[];
  /** Each mean at least the one before, and the last above the first. */
  monotonic: boolean;
  /** The pictures at strength 1, by prompt. */
  images: RgbImage[];
}

export interface StyleResult {
  prompts: string[];
  base: { scores: number[]; styled: number; images: RgbImage[] };
  ranks: StyleRankResult[];
}

export interface StyleOptions {
  ranks: readonly number[];
  strengths: readonly number[];
  onProgress?: (done: number, total: number, what: string) => void;
}

/** Whether a series of means rises (ties allowed, e.g. a metric saturated at 1) from first to last. */
export function isMonotonic(means: readonly number[]): boolean {
  return means.every((m, i) => i === 0 || m >= (means[i - 1] as number)) && (means.at(-1) as number) > (means[0] as number);
}

export async function measureStyle(renderer: Renderer, world: World, prompts: readonly string[], options: StyleOptions): Promise<StyleResult> {
  const strengths = [...new Set([...options.strengths, 1])].sort((a, b) => a - b);
  const total = prompts.length * (1 + options.ranks.length * strengths.length);
  let done = 0;
  const series = async (rank: number | undefined, strength: number): Promise<{ images: RgbImage[]; scores: number[] }> => {
    const images: RgbImage[] = [];
    for (const [seed, prompt] of prompts.entries()) {
      images.push(await renderer.render({ prompt, seed, ...(rank !== undefined && { rank, strength }) }));
      options.onProgress?.(++done, total, rank === undefined ? 'base' : `rank ${rank} at ${strength}`);
    }
    return { images, scores: images.map((image) => styleMetric(image, world).score) };
  };
  const styledCount = (scores: number[]): number => scores.filter((s) => s >= STYLE_THRESHOLD).length;

  const base = await series(undefined, 0);
  const ranks: StyleRankResult[] = [];
  for (const rank of options.ranks) {
    const points: (StylePoint & { images: RgbImage[] })[] = [];
    for (const strength of strengths) {
      const { images, scores } = await series(rank, strength);
      points.push({ strength, mean: scores.reduce((a, b) => a + b, 0) / scores.length, scores, images });
    }
    const atOne = points.find((p) => p.strength === 1) as StylePoint & { images: RgbImage[] };
    const curve = points.filter((p) => options.strengths.includes(p.strength)).map(({ strength, mean, scores }) => ({ strength, mean, scores }));
    const loraStyled = styledCount(atOne.scores);
    ranks.push({
      rank,
      accuracy: (prompts.length - styledCount(base.scores) + loraStyled) / (2 * prompts.length),
      loraStyled,
      curve,
      monotonic: isMonotonic(curve.map((p) => p.mean)),
      images: atOne.images,
    });
  }
  return { prompts: [...prompts], base: { ...base, styled: styledCount(base.scores) }, ranks };
}
