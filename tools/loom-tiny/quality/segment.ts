/**
 * Finding the one shape in a loom-tiny picture: the background colour from the border, the pixels
 * that differ from it, and the largest connected region of those (stray specks from the sampler are
 * dropped), with the measurements the checker decides on.
 */
import { pixelAt, type RgbImage } from './image.ts';
import { luma, rgbDistance, type Rgb } from './world.ts';

/**
 * The background: the per-channel median of the outer `ring` pixels. A shape near an edge covers
 * at most a few dozen of the ~250 border pixels of a 64×64 image, so the median ignores it.
 */
export function estimateBackground(image: RgbImage, ring = 2): Rgb {
  const { width, height } = image;
  const channels: number[][] = [[], [], []];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x >= ring && x < width - ring && y >= ring && y < height - ring) continue;
      const p = pixelAt(image, y * width + x);
      for (let c = 0; c < 3; c++) (channels[c] as number[]).push(p[c] as number);
    }
  }
  return channels.map(median) as Rgb;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The largest 8-connected region of pixels farther than `threshold` from `background`. */
export interface Region {
  /** Pixel indices (y × width + x). */
  pixels: number[];
  /** Membership by pixel index. */
  mask: Uint8Array;
  /** How many pixels differed from the background in total (all regions). */
  foreground: number;
  /** The size of every region, largest first (this one is the first): how many separate shapes there are. */
  sizes: number[];
}

export function largestRegion(image: RgbImage, background: Rgb, threshold: number): Region {
  const { width, height } = image;
  const n = width * height;
  const fg = new Uint8Array(n);
  let foreground = 0;
  for (let i = 0; i < n; i++) {
    if (rgbDistance(pixelAt(image, i), background) > threshold) {
      fg[i] = 1;
      foreground++;
    }
  }
  const label = new Int32Array(n).fill(-1);
  let best: number[] = [];
  const sizes: number[] = [];
  for (let start = 0; start < n; start++) {
    if (!fg[start] || label[start] !== -1) continue;
    const region: number[] = [start];
    label[start] = start;
    for (let k = 0; k < region.length; k++) {
      const i = region[k] as number;
      const x = i % width;
      const y = (i - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const j = ny * width + nx;
          if (fg[j] && label[j] === -1) {
            label[j] = start;
            region.push(j);
          }
        }
      }
    }
    sizes.push(region.length);
    if (region.length > best.length) best = region;
  }
  const mask = new Uint8Array(n);
  for (const i of best) mask[i] = 1;
  return { pixels: best, mask, foreground, sizes: sizes.sort((a, b) => b - a) };
}

/** Measurements of a region, in pixel units (pixel i covers [i, i+1), so its centre is i + ½). */
export interface RegionShape {
  area: number;
  /** Bounding box [x0, y0, x1, y1), edges of the outermost pixels. */
  box: [number, number, number, number];
  centroid: [number, number];
  /** Pixels darker than the ink threshold. */
  ink: number;
}

export function measureRegion(image: RgbImage, region: Region, inkLuma: number): RegionShape {
  const { width } = image;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  let sx = 0;
  let sy = 0;
  let ink = 0;
  for (const i of region.pixels) {
    const x = i % width;
    const y = (i - x) / width;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x + 1);
    y1 = Math.max(y1, y + 1);
    sx += x + 0.5;
    sy += y + 0.5;
    if (luma(...pixelAt(image, i)) < inkLuma) ink++;
  }
  const area = region.pixels.length;
  return { area, box: [x0, y0, x1, y1], centroid: [sx / area, sy / area], ink };
}

/**
 * The region's interior colour pixels (indices): not ink, and with all 8 neighbours in the region and not ink.
 * That drops the anti-aliased rim, where the shape's colour mixes with the background or the outline
 * into colours that may sit nearer another palette entry.
 */
export function interiorPixels(image: RgbImage, region: Region, inkLuma: number): number[] {
  const { width, height } = image;
  const solid = (i: number): boolean => region.mask[i] === 1 && luma(...pixelAt(image, i)) >= inkLuma;
  const out: number[] = [];
  for (const i of region.pixels) {
    const x = i % width;
    const y = (i - x) / width;
    if (x === 0 || y === 0 || x === width - 1 || y === height - 1 || !solid(i)) continue;
    let inside = true;
    for (let dy = -1; dy <= 1 && inside; dy++) for (let dx = -1; dx <= 1 && inside; dx++) inside = solid((y + dy) * width + x + dx);
    if (inside) out.push(i);
  }
  return out;
}
