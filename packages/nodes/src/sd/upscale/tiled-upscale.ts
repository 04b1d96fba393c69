/**
 * Model upscaling in overlapping tiles, so any image size fits a fixed memory bound: each tile of at
 * most `tile`×`tile` pixels runs alone, and neighbours share at least `overlap` pixels, blended with
 * linear ramps across the shared band (weights fall to 0 toward a tile's inner edges, stay 1 at the
 * image border), so no seam shows. ComfyUI's ImageUpscaleWithModel also tiles (512 px, 32 px overlap)
 * but averages overlaps with a feathered mask; the ramp here is the same idea as our VAE tiling.
 * The model's scale factor is read from the first tile's output.
 */
import { LoomError } from '@loom/engine';
import { tileStarts } from '../vae.ts';

/** Runs the model on one CHW tile; returns CHW output of (scale·th)×(scale·tw). */
export type TileRunner = (tile: Float32Array, th: number, tw: number) => Promise<Float32Array>;

export interface TiledResult {
  data: Float32Array;
  scale: number;
  height: number;
  width: number;
}

/**
 * Blend weight at `pos` of `length`: 1 at image borders; at a tile's inner edges, 0 over the outer
 * quarter of the shared band (those pixels saw the tile's zero padding within the model's receptive
 * field), then a linear ramp to 1 across the next half. Neighbours' ramps mirror each other.
 */
function ramp(pos: number, length: number, band: number, atStart: boolean, atEnd: boolean): number {
  if (band <= 0) return 1;
  const skip = band / 4;
  const width = band / 2;
  const rise = (d: number): number => Math.min(1, Math.max(0, (d + 0.5 - skip) / width));
  return Math.min(atStart ? 1 : rise(pos), atEnd ? 1 : rise(length - 1 - pos));
}

function cutTile(chw: Float32Array, h: number, w: number, y0: number, x0: number, th: number, tw: number): Float32Array {
  const tile = new Float32Array(3 * th * tw);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < th; y++) {
      const from = c * h * w + (y0 + y) * w + x0;
      tile.set(chw.subarray(from, from + tw), (c * th + y) * tw);
    }
  }
  return tile;
}

/** `tile` 0 runs the whole image at once. `onTile(i, n)` reports progress. */
export async function upscaleTiled(
  chw: Float32Array,
  h: number,
  w: number,
  tile: number,
  overlap: number,
  run: TileRunner,
  onTile?: (done: number, total: number) => void,
): Promise<TiledResult> {
  const edge = tile > 0 ? tile : Math.max(h, w);
  if (tile > 0 && overlap >= tile)
    throw new LoomError('PARAM_INVALID', `Tile overlap ${overlap} must be smaller than the tile size ${tile}.`, { input: 'tileOverlap' });
  const ys = tileStarts(h, edge, overlap);
  const xs = tileStarts(w, edge, overlap);
  const total = ys.length * xs.length;
  let sum: Float32Array | undefined;
  let weight: Float32Array | undefined;
  let scale = 0;
  let done = 0;
  for (const y0 of ys) {
    for (const x0 of xs) {
      const th = Math.min(edge, h);
      const tw = Math.min(edge, w);
      const out = await run(cutTile(chw, h, w, y0, x0, th, tw), th, tw);
      if (scale === 0) {
        scale = Math.round(Math.sqrt(out.length / (3 * th * tw)));
        if (scale < 1 || out.length !== 3 * th * tw * scale * scale)
          throw new LoomError(
            'UNSUPPORTED_MODEL',
            `The upscale model returned ${out.length} values for a 3×${th}×${tw} tile; expected 3×(s·${th})×(s·${tw}) for an integer scale s.`,
          );
        if (total === 1) return { data: out, scale, height: h * scale, width: w * scale };
        sum = new Float32Array(3 * h * scale * w * scale);
        weight = new Float32Array(h * scale * w * scale);
      }
      const H = h * scale;
      const W = w * scale;
      const TH = th * scale;
      const TW = tw * scale;
      const band = overlap * scale;
      for (let y = 0; y < TH; y++) {
        const wy = ramp(y, TH, band, y0 === 0, y0 + th === h);
        for (let x = 0; x < TW; x++) {
          const wt = wy * ramp(x, TW, band, x0 === 0, x0 + tw === w);
          const p = (y0 * scale + y) * W + x0 * scale + x;
          weight![p] = (weight![p] as number) + wt;
          for (let c = 0; c < 3; c++) sum![c * H * W + p] = (sum![c * H * W + p] as number) + wt * (out[c * TH * TW + y * TW + x] as number);
        }
      }
      onTile?.(++done, total);
    }
  }
  const H = h * scale;
  const W = w * scale;
  for (let p = 0; p < H * W; p++) for (let c = 0; c < 3; c++) sum![c * H * W + p] = (sum![c * H * W + p] as number) / (weight![p] as number);
  return { data: sum!, scale, height: H, width: W };
}
