/**
 * The "loom style" metric. The style LoRAs learn three things (world.py `render(style=True)`): a warm
 * paper background, a dark ink outline around the shape, and a shaded lower-right half. The metric
 * scores the first two, each scaled so that the plain world scores 0 and the styled world 1:
 *
 * - paper: the background's warmth, red minus blue of the border median. The plain background is
 *   [236,236,230] (warmth 6), the paper [240,224,192] (warmth 48). The background jitter adds the
 *   same amount to every channel (world.py), so warmth ignores it.
 * - ink: the share of the shape's pixels darker than `style.inkLuma`, over the share a styled
 *   render shows at the least, capped at 1. Ideally the `outlinePx` ring around the biggest shape
 *   (radius large + jitter) covers 1 − (13/15)² ≈ 25% of it (every shape's area scales with r², so
 *   this holds for all three). But only pixels mostly covered by ink are that dark: a paper/ink mix
 *   needs 87% ink, a fill/ink mix about 67%, and the line thins at the triangle's corners; the
 *   fixtures show 33–80% of the ideal share on large shapes. So half the ideal counts as full ink.
 *   Plain renders have no pixel that dark: the darkest palette colour, red with every channel
 *   jittered down, has luma 0.33.
 *
 * score = mean of the two, each clamped to [0, 1]. The threshold is ½, halfway between the two worlds:
 * an image is "styled" when it shows at least half of the style on average. Two cues rather than one
 * because they fail differently: the VAE may soften a 2-px outline at 64×64 until it is no longer
 * that dark, while the background is the largest, best-averaged area of the picture; and a dark
 * sampler artefact alone cannot push a plain picture past the threshold.
 */
import type { RgbImage } from './image.ts';
import { estimateBackground, largestRegion, measureRegion } from './segment.ts';
import { foregroundThreshold } from './thresholds.ts';
import type { World } from './world.ts';

/** The style score and its parts. */
export interface StyleMeasure {
  /** Mean of the clamped cues, 0 = plain world, 1 = loom style. */
  score: number;
  /** Background warmth on the plain (0) → paper (1) scale, unclamped. */
  paper: number;
  /** Ink share of the shape over `fullInkShare`, unclamped. */
  ink: number;
  /** score ≥ STYLE_THRESHOLD. */
  styled: boolean;
}

/** Score at and above which an image counts as styled. */
export const STYLE_THRESHOLD = 0.5;

const warmth = (rgb: readonly number[]): number => (rgb[0] as number) - (rgb[2] as number);

/** The ink share that scores a full ink cue: half the outline ring's share of the biggest styled shape. */
export function fullInkShare(world: World): number {
  const r = world.sizes.large + world.jitter.radius;
  const outer = r + world.style.outlinePx;
  return (1 - (r / outer) ** 2) / 2;
}

/** Measures the style of one picture. */
export function styleMetric(image: RgbImage, world: World): StyleMeasure {
  const background = estimateBackground(image);
  const paper = (warmth(background) - warmth(world.background)) / (warmth(world.style.paper) - warmth(world.background));
  const region = largestRegion(image, background, foregroundThreshold(world));
  const share = region.pixels.length === 0 ? 0 : measureRegion(image, region, world.style.inkLuma).ink / region.pixels.length;
  const ink = share / fullInkShare(world);
  const clamp = (v: number): number => Math.min(1, Math.max(0, v));
  const score = (clamp(paper) + clamp(ink)) / 2;
  return { score, paper, ink, styled: score >= STYLE_THRESHOLD };
}
