/**
 * ComfyUI's evaluation of multi-entry conditioning at one σ (comfy/samplers.py `calc_cond_batch`,
 * `get_area_and_mult`): every entry whose σ range holds sees its area of the latent (the whole latent without
 * one; an area reaching past the edge is cut to it), weighted by `mult` = its strength, with a linear ramp over
 * up to 8 latent rows / columns (a quarter of the area's size at most) on each edge that lies inside the latent,
 * so area prompts blend in rather than leave seams. Each side's output is Σ(denoised·mult) / (Σ mult + 1e-37):
 * where no entry applies it is 0, as in ComfyUI.
 * ComfyUI batches compatible entries into one model call to save time; here every entry cropped to the same
 * size goes to one {@link RunEvaluator} call, which may split it further. The numbers do not depend on batching.
 */
import { LoomError } from '@loom/engine';
import type { LatentArea, SampledEntry } from './cond-entries.ts';

/** An entry evaluated at this σ: its crop of the latent and the weight of each crop position. */
export interface EntryRun {
  sampled: SampledEntry;
  /** 0 = positive, 1 = negative. */
  side: number;
  area: LatentArea;
  /** Weights over the crop's plane [height × width], the same for every batch member and channel. */
  mult: Float32Array;
}

/** Denoised outputs for runs of one crop size; `input` is their crops stacked, shape [runs × batch, C, h, w]. */
export type RunEvaluator = (runs: readonly EntryRun[], input: Float32Array, shape: readonly number[]) => Promise<Float32Array>;

const f = Math.fround;

/** `get_area_and_mult`'s weights: the strength, and the edge ramp when the entry has an area. */
export function areaMult(area: LatentArea, hasArea: boolean, height: number, width: number, strength: number): Float32Array {
  const mult = new Float32Array(area.height * area.width).fill(strength);
  if (!hasArea) return mult;
  const scale = (row: boolean, index: number, by: number): void => {
    const count = row ? area.width : area.height;
    for (let i = 0; i < count; i++) {
      const at = row ? index * area.width + i : i * area.width + index;
      mult[at] = f((mult[at] as number) * f(by));
    }
  };
  for (const row of [true, false]) {
    const [size, offset, full] = row ? [area.height, area.y, height] : [area.width, area.x, width];
    const rr = Math.min(8, Math.floor(size / 4));
    if (offset !== 0) for (let t = 0; t < rr; t++) scale(row, t, (1 / rr) * (t + 1));
    if (size + offset < full) for (let t = 0; t < rr; t++) scale(row, size - 1 - t, (1 / rr) * (t + 1));
  }
  return mult;
}

/** The run for `e` at σ, or nothing while σ is outside its range. */
function entryRun(e: SampledEntry, side: number, sigma: number, height: number, width: number): EntryRun | undefined {
  if (e.sigmaStart !== undefined && sigma > e.sigmaStart) return undefined;
  if (e.sigmaEnd !== undefined && sigma < e.sigmaEnd) return undefined;
  const a = e.area;
  if (a && (a.x >= width || a.y >= height)) {
    throw new LoomError(
      'PARAM_INVALID',
      `A ConditioningSetArea rectangle on the ${side === 0 ? 'positive' : 'negative'} input starts at x ${a.x * 8}, y ${a.y * 8} px, outside the ${width * 8}×${height * 8} image; move it inside the image.`,
      { input: side === 0 ? 'positive' : 'negative' },
    );
  }
  const area = a ? { ...a, width: Math.min(width - a.x, a.width), height: Math.min(height - a.y, a.height) } : { x: 0, y: 0, width, height };
  return { sampled: e, side, area, mult: areaMult(area, a !== undefined, height, width, e.strength) };
}

/** [batch, C, area] out of [batch, C, H, W]. */
function crop(x: Float32Array, shape: readonly number[], a: LatentArea): Float32Array {
  const [batch, channels, height, width] = shape as [number, number, number, number];
  const out = new Float32Array(batch * channels * a.height * a.width);
  for (let plane = 0; plane < batch * channels; plane++) {
    for (let y = 0; y < a.height; y++) {
      const from = plane * height * width + (a.y + y) * width + a.x;
      out.set(x.subarray(from, from + a.width), (plane * a.height + y) * a.width);
    }
  }
  return out;
}

/** Each side's weighted average of its entries' denoised outputs at σ (one array per side of `sides`). */
export async function calcCondBatch(
  evaluate: RunEvaluator,
  sides: readonly (readonly SampledEntry[])[],
  x: Float32Array,
  shape: readonly number[],
  sigma: number,
): Promise<Float32Array[]> {
  const [batch, channels, height, width] = shape as [number, number, number, number];
  const groups = new Map<string, EntryRun[]>();
  sides.forEach((side, s) => {
    for (const e of side) {
      const run = entryRun(e, s, sigma, height, width);
      if (!run) continue;
      const key = `${run.area.height}x${run.area.width}`;
      groups.set(key, [...(groups.get(key) ?? []), run]);
    }
  });
  const out = sides.map(() => new Float32Array(x.length));
  const counts = sides.map(() => new Float32Array(x.length).fill(1e-37));
  for (const runs of groups.values()) {
    const { height: h, width: w } = runs[0]!.area;
    const input = new Float32Array(runs.length * batch * channels * h * w);
    runs.forEach((run, r) => input.set(crop(x, shape, run.area), r * batch * channels * h * w));
    const denoised = await evaluate(runs, input, [runs.length * batch, channels, h, w]);
    runs.forEach((run, r) => {
      const sum = out[run.side]!;
      const count = counts[run.side]!;
      for (let plane = 0; plane < batch * channels; plane++) {
        for (let p = 0; p < h * w; p++) {
          const at = plane * height * width + (run.area.y + Math.floor(p / w)) * width + run.area.x + (p % w);
          const m = run.mult[p] as number;
          sum[at] = (sum[at] as number) + f((denoised[(r * batch * channels + plane) * h * w + p] as number) * m);
          count[at] = (count[at] as number) + m;
        }
      }
    });
  }
  return out.map((sum, s) => sum.map((v, i) => v / (counts[s]![i] as number)));
}
