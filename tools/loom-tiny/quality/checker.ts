/**
 * The loom-tiny quality checker: what one 64×64 picture shows, as world.json names it (colour,
 * shape, position, size), or why it shows no single shape. It reads pictures the way the generator
 * draws them (tools/loom-tiny/loom_tiny/world.py), for both the plain world and "loom style".
 *
 * - shape pixels: the largest connected region farther from the border's median colour than
 *   `foregroundThreshold` (thresholds.ts); styled outlines belong to it. Measured again at half the
 *   contrast of the shape's own median interior colour, when that is higher: half coverage for the
 *   colour actually drawn, so faint halos and smears around it do not stretch its box.
 * - colour: a vote of the region's interior pixels for the nearest palette entry, where the palette
 *   holds every colour and its styled shade (× `style.shade`), both counting for the colour. A mean
 *   or median would land between the lit and the shaded half of a styled shape.
 * - position: the anchor nearest the bounding box centre. The box, not the centroid: a triangle's
 *   centroid lies 0.37 r below its centre, which for a large one is most of the 8 px half-way gap
 *   between two anchors; its box is centred (world.py draws apex and base at cy ∓ 1.1 r).
 * - shape: the nearest prototype (world.ts SHAPE_PROTOTYPES) in (fill ratio of the box, centroid
 *   drop below the box centre), each axis over its prototype spread (½ for fill, ⅙ for drop), so the
 *   triangle's bottom-heavy mass counts as much as its half-empty box.
 * - subjects: the regions at that second threshold of at least half the smallest shape (`minimumArea`).
 *   The world draws one shape per picture, so a second one (a duplicated subject, as rendering far
 *   above the trained size tends to make) means the picture shows no single shape.
 * - size: the equivalent radius √(area / k) for the detected shape's k (world.ts AREA_PER_R2), less
 *   the outline width when the picture is in loom style (style-metric.ts), against `sizeRadius`
 *   (9.5 px). The style decision rather than the ink itself: a blurred outline is no longer ink-dark
 *   but still part of the region.
 */
import { interiorPixels, estimateBackground, largestRegion, measureRegion } from './segment.ts';
import { pixelAt, type RgbImage } from './image.ts';
import { styleOfRegion } from './style-metric.ts';
import { foregroundThreshold, maximumArea, minimumArea, sizeRadius } from './thresholds.ts';
import { AREA_PER_R2, SHAPE_PROTOTYPES, rgbDistance, type Rgb, type ShapeName, type SizeName, type World } from './world.ts';

/** What the checker measured, for reports and for diagnosing a miss. */
export interface Measures {
  background: Rgb;
  area: number;
  box: [number, number, number, number];
  fill: number;
  drop: number;
  radius: number;
  /** Share of interior pixels that voted for the winning colour. */
  colourVotes: number;
  /** The style metric calls the picture styled, so the region includes an outline. */
  styled: boolean;
  /** Separate shape-sized regions: 1 here (more is a miss). */
  subjects: number;
}

export type Detection =
  | { found: true; colour: string; shape: ShapeName; position: string; size: SizeName; measures: Measures }
  /** `subjects`: how many shape-sized regions there were, when that is why. */
  | { found: false; reason: string; subjects?: number };

/** How many subjects a detection saw: 1 when found, else the count it gave up on (0 when it found none). */
export function subjectsOf(d: Detection): number {
  return d.found ? d.measures.subjects : (d.subjects ?? 0);
}

/** "small red circle, left", or why nothing was found: for progress lines, reports and test messages. */
export function describeDetection(d: Detection): string {
  return d.found ? `${d.size} ${d.colour} ${d.shape}, ${d.position}` : d.reason;
}

/** A checker bound to one world; the derived constants are computed once. */
export function createChecker(world: World): (image: RgbImage) => Detection {
  const threshold = foregroundThreshold(world);
  const [minArea, maxArea] = [minimumArea(world), maximumArea(world)];
  const palette = Object.entries(world.colours).flatMap(([name, rgb]) => [
    { name, rgb },
    { name, rgb: rgb.map((v) => v * world.style.shade) as Rgb },
  ]);
  const anchors = Object.entries(world.positions).map(([name, p]) => ({ name, centre: p.centre }));
  const prototypes = world.shapes.map((s) => SHAPE_PROTOTYPES[s]);
  const spread = (f: (p: { fill: number; drop: number }) => number): number => Math.max(...prototypes.map(f)) - Math.min(...prototypes.map(f));
  const [fillSpread, dropSpread] = [spread((p) => p.fill), spread((p) => p.drop)];
  const areaProblem = (area: number): string | undefined => {
    if (area === 0) return `no pixel differs from the background by more than ${threshold.toFixed(0)}`;
    if (area < minArea) return `the largest shape-coloured region has ${area} px, under half the smallest shape (${minArea.toFixed(0)} px)`;
    if (area > maxArea) return `the largest shape-coloured region has ${area} px, over twice the biggest shape (${maxArea.toFixed(0)} px)`;
    return undefined;
  };

  return (image) => {
    const background = estimateBackground(image);
    const found = largestRegion(image, background, threshold);
    const problem = areaProblem(found.pixels.length);
    if (problem) return { found: false, reason: problem };
    const interior = interiorPixels(image, found, world.style.inkLuma).map((i) => pixelAt(image, i));
    if (interior.length === 0) return { found: false, reason: `the ${found.pixels.length}-px region has no interior pixel of a shape colour (all ink or rim)` };
    // Second pass at half this shape's own contrast: half coverage for its actual colour, so the
    // area and box are the drawn shape's, without the faint halos and smears a sampler leaves.
    const own = Math.max(threshold, rgbDistance(medianColour(interior), background) / 2);
    const region = largestRegion(image, background, own);
    const area = region.pixels.length;
    const ownProblem = areaProblem(area);
    if (ownProblem) return { found: false, reason: ownProblem };
    const subjects = region.sizes.filter((n) => n >= minArea).length;
    if (subjects > 1) return { found: false, reason: `${subjects} separate shapes of ${minArea.toFixed(0)} px or more; the world draws one`, subjects };

    const m = measureRegion(image, region, world.style.inkLuma);
    const [x0, y0, x1, y1] = m.box;
    const fill = area / ((x1 - x0) * (y1 - y0));
    const drop = (m.centroid[1] - (y0 + y1) / 2) / (y1 - y0);
    const shape = nearest(world.shapes, (s) => Math.hypot((fill - SHAPE_PROTOTYPES[s].fill) / fillSpread, (drop - SHAPE_PROTOTYPES[s].drop) / dropSpread));

    const votes = new Map<string, number>();
    for (const c of interior) {
      const best = nearest(palette, (p) => rgbDistance(c, p.rgb));
      votes.set(best.name, (votes.get(best.name) ?? 0) + 1);
    }
    const [colour, count] = [...votes].reduce((a, b) => (b[1] > a[1] ? b : a));

    const centre: [number, number] = [(x0 + x1) / 2, (y0 + y1) / 2];
    const position = nearest(anchors, (a) => Math.hypot(centre[0] - a.centre[0], centre[1] - a.centre[1])).name;

    const styled = styleOfRegion(image, background, region, world).styled;
    const radius = Math.sqrt(area / AREA_PER_R2[shape]) - (styled ? world.style.outlinePx : 0);
    const size: SizeName = radius < sizeRadius(world) ? 'small' : 'large';

    return {
      found: true,
      colour,
      shape,
      position,
      size,
      measures: { background, area, box: m.box, fill, drop, radius, colourVotes: count / interior.length, styled, subjects },
    };
  };
}

function medianColour(colours: Rgb[]): Rgb {
  return [0, 1, 2].map((c) => {
    const values = colours.map((p) => p[c] as number).sort((a, b) => a - b);
    return values[values.length >> 1] as number;
  }) as Rgb;
}

function nearest<T>(items: readonly T[], distance: (item: T) => number): T {
  let best = items[0] as T;
  let bestDistance = Infinity;
  for (const item of items) {
    const d = distance(item);
    if (d < bestDistance) [best, bestDistance] = [item, d];
  }
  return best;
}
