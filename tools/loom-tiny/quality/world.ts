/**
 * The loom-tiny world (tools/loom-tiny/world.json) as typed values, and the geometry of its shapes as
 * tools/loom-tiny/loom_tiny/world.py `_shape_mask` draws them. The checker and the style metric derive
 * every constant from here, so a change to the world moves them with it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Rgb = z.tuple([z.number(), z.number(), z.number()]);
/** An sRGB colour, 0–255 per channel. */
export type Rgb = z.infer<typeof Rgb>;

const WorldSchema = z.object({
  size: z.int().positive(),
  background: Rgb,
  colours: z.record(z.string(), Rgb),
  shapes: z.array(z.enum(['circle', 'square', 'triangle'])),
  positions: z.record(z.string(), z.object({ phrase: z.string(), centre: z.tuple([z.number(), z.number()]) })),
  sizes: z.object({ small: z.number().positive(), large: z.number().positive() }),
  jitter: z.object({ position: z.number(), radius: z.number(), colour: z.number(), background: z.number() }),
  templates: z.array(z.string()),
  style: z.object({ tag: z.string(), paper: Rgb, ink: Rgb, outlinePx: z.number(), shade: z.number(), inkLuma: z.number() }),
});

/** world.json, validated. */
export type World = z.infer<typeof WorldSchema>;
export type ShapeName = World['shapes'][number];
export type SizeName = keyof World['sizes'];

/** tools/loom-tiny/world.json, resolved from this file (tools/loom-tiny/quality/). */
export const WORLD_FILE = new URL('../world.json', import.meta.url);

/** Reads and validates world.json. */
export function loadWorld(file: URL | string = WORLD_FILE): World {
  return WorldSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/**
 * Area of each shape as a multiple of r² (world.py `_shape_mask`): a circle is π r²; the square has
 * half-side 0.89 r, so (1.78 r)² = 3.1684 r²; the triangle spans 2.2 r in height with a base of
 * 2 × 1.15 r, so ½ · 2.3 r · 2.2 r = 2.53 r².
 */
export const AREA_PER_R2: Record<ShapeName, number> = { circle: Math.PI, square: 1.78 * 1.78, triangle: 0.5 * 2.3 * 2.2 };

/**
 * Where each shape's mass sits in its bounding box, for the shape decision. `fill` is area / bbox
 * area: circle π/4, square 1, triangle ½. `drop` is how far the centroid lies below the box centre,
 * as a fraction of the box height: 0 for the symmetric circle and square; a triangle with its apex at
 * the top has its centroid at ⅔ of its height, ⅔ − ½ = ⅙ below the centre.
 */
export const SHAPE_PROTOTYPES: Record<ShapeName, { fill: number; drop: number }> = {
  circle: { fill: Math.PI / 4, drop: 0 },
  square: { fill: 1, drop: 0 },
  triangle: { fill: 0.5, drop: 1 / 6 },
};

/** ITU-R BT.601 luma of an sRGB colour, 0–1: PIL's `convert("L")`, what a Python-side check computes. */
export function luma(r: number, g: number, b: number): number {
  return (0.299 * r + 0.587 * g + 0.114 * b) / 255;
}

/** Euclidean distance between two sRGB colours. */
export function rgbDistance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}
