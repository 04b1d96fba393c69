/**
 * The "loom style" metric. The style LoRAs learn three things (world.py `render(style=True)`): a warm
 * paper background, a dark ink outline around the shape, and the lower-right half of the shape
 * shaded. The metric scores each as a cue scaled so that the plain world scores 0 and the styled
 * world 1, and averages them (each clamped to [0, 1]):
 *
 * - paper: the background's warmth, red minus blue of the border median. The plain background is
 *   [236,236,230] (warmth 6), the paper [240,224,192] (warmth 48). The background jitter adds the
 *   same amount to every channel (world.py), so warmth ignores it.
 * - ink: the share of the shape's pixels darker than `style.inkLuma`, or than shade² × the
 *   interior's median luma when that is higher (Loom's VAE softens the outline until it is darker
 *   than the shaded fill but no longer ink-dark; a plain shape's rim only mixes towards the brighter
 *   background), over the share a styled render shows at the least. Ideally the `outlinePx` ring
 *   around the biggest shape (radius large + jitter) covers 1 − (13/15)² ≈ 25% of it (every shape's
 *   area scales with r², so this holds for all three). But only pixels mostly covered by ink are
 *   that dark: a paper/ink mix needs 87% ink, a fill/ink mix about 67%, and the line thins at the
 *   triangle's corners; the fixtures show 33–80% of the ideal share on large shapes. So half the
 *   ideal counts as full ink. Plain renders have no pixel that dark: the darkest palette colour,
 *   red with every channel jittered down, has luma 0.33.
 * - shade: how much darker the lower-right half of the shape's interior is than the upper-left half
 *   (split on the diagonal through the box centre, as world.py splits it): 1 − ratio of their mean
 *   lumas, over 1 − `style.shade`. Luma is linear in the sRGB values the renderer multiplies, so a
 *   styled shape has ratio 0.78 exactly and a plain one 1.
 *
 * The threshold is ⅓: the equivalent of one whole cue, which the plain world never shows (it scores
 * 0 on all three), while a styled picture has all three. Three cues because they fail differently:
 * a 2-px outline at 64×64 is the first thing a blurring VAE loses (a blur of σ = 0.8 px already
 * lifts it above the ink luma) and the shaded half of a small shape blurs into its lit half, while
 * the background is the largest, best-averaged area of the picture. Blurring the fixtures with
 * σ = 1.6 px leaves styled renders at ≥ 0.37 and plain ones at ≤ 0.11: ⅓ sits between, where ½
 * would call a tenth of those styled renders plain.
 */
import { pixelAt, type RgbImage } from './image.ts';
import { estimateBackground, interiorPixels, largestRegion, measureRegion, type Region } from './segment.ts';
import { foregroundThreshold } from './thresholds.ts';
import { luma, type Rgb, type World } from './world.ts';

/** The style score and its cues (unclamped). */
export interface StyleMeasure {
  /** Mean of the clamped cues, 0 = plain world, 1 = loom style. */
  score: number;
  paper: number;
  ink: number;
  shade: number;
  /** score ≥ STYLE_THRESHOLD. */
  styled: boolean;
}

/** Score at and above which an image counts as styled. */
export const STYLE_THRESHOLD = 1 / 3;

const warmth = (rgb: readonly number[]): number => (rgb[0] as number) - (rgb[2] as number);
const clamp = (v: number): number => Math.min(1, Math.max(0, v));
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** The ink share that scores a full ink cue: half the outline ring's share of the biggest styled shape. */
export function fullInkShare(world: World): number {
  const r = world.sizes.large + world.jitter.radius;
  const outer = r + world.style.outlinePx;
  return (1 - (r / outer) ** 2) / 2;
}

/** The style of a picture whose background and shape region are already found (the checker's). */
export function styleOfRegion(image: RgbImage, background: Rgb, region: Region, world: World): StyleMeasure {
  const paper = (warmth(background) - warmth(world.background)) / (warmth(world.style.paper) - warmth(world.background));
  if (region.pixels.length === 0) return { score: clamp(paper) / 3, paper, ink: 0, shade: 0, styled: clamp(paper) / 3 >= STYLE_THRESHOLD };
  const interior = interiorPixels(image, region, world.style.inkLuma);
  // The ink threshold of the module doc: `inkLuma` or shade² × the interior's median luma.
  const interiorLuma = interior.map((i) => luma(...pixelAt(image, i))).sort((a, b) => a - b);
  const inkLuma = Math.max(world.style.inkLuma, world.style.shade ** 2 * (interiorLuma[interiorLuma.length >> 1] ?? 0));
  const shape = measureRegion(image, region, inkLuma);
  const ink = shape.ink / region.pixels.length / fullInkShare(world);
  const [x0, y0, x1, y1] = shape.box;
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  const lit: number[] = [];
  const shaded: number[] = [];
  for (const i of interior) {
    const x = (i % image.width) + 0.5;
    const y = Math.floor(i / image.width) + 0.5;
    (x - cx + (y - cy) > 0 ? shaded : lit).push(luma(...pixelAt(image, i)));
  }
  const shade = lit.length === 0 || shaded.length === 0 ? 0 : (1 - mean(shaded) / mean(lit)) / (1 - world.style.shade);
  const score = (clamp(paper) + clamp(ink) + clamp(shade)) / 3;
  return { score, paper, ink, shade, styled: score >= STYLE_THRESHOLD };
}

/** Measures the style of one picture. */
export function styleMetric(image: RgbImage, world: World): StyleMeasure {
  const background = estimateBackground(image);
  return styleOfRegion(image, background, largestRegion(image, background, foregroundThreshold(world)), world);
}
