/** The checker's constants, each derived from world.json (see the reasoning beside each). */
import { AREA_PER_R2, rgbDistance, type Rgb, type World } from './world.ts';

/**
 * How far from the background a pixel must be to count as the shape: half the smallest contrast any
 * shape colour has against its background, after the worst colour jitter (±j on every channel moves
 * a colour by up to j√3). Half the contrast is half coverage, so an anti-aliased rim pixel counts
 * when the shape covers about half of it or more, which keeps areas close to the drawn ones. The
 * lowest contrast is yellow on paper (~141 before jitter), giving ~58.
 */
export function foregroundThreshold(world: World): number {
  const colours = Object.values(world.colours);
  const shaded = colours.map((c) => c.map((v) => v * world.style.shade) as Rgb);
  const contrasts = [
    ...colours.map((c) => rgbDistance(c, world.background)),
    ...[...colours, ...shaded, world.style.ink].map((c) => rgbDistance(c, world.style.paper)),
  ];
  return (Math.min(...contrasts) - world.jitter.colour * Math.sqrt(3)) / 2;
}

/** Smallest drawn shape: a small triangle at the lowest jittered radius. Regions under half of it are noise. */
export function minimumArea(world: World): number {
  return (Math.min(...Object.values(AREA_PER_R2)) * (world.sizes.small - world.jitter.radius) ** 2) / 2;
}

/** Twice the biggest drawn shape (a large styled square, outline included): more is not one shape. */
export function maximumArea(world: World): number {
  return 2 * Math.max(...Object.values(AREA_PER_R2)) * (world.sizes.large + world.jitter.radius + world.style.outlinePx) ** 2;
}

/** The radius between sizes: halfway between the largest small radius and the smallest large one (9.5 px). */
export function sizeRadius(world: World): number {
  return (world.sizes.small + world.jitter.radius + world.sizes.large - world.jitter.radius) / 2;
}
