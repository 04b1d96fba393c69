/**
 * A KSampler's conditionings made ready for sampling, as ComfyUI does once before the first step
 * (comfy/samplers.py `process_conds`):
 * - each entry's timestep range becomes σ bounds (`calculate_start_end_timesteps`, through
 *   comfy/model_sampling.py `ModelSamplingDiscrete.percent_to_sigma`);
 * - every entry with an area gets a twin on the other side (`create_cond_with_same_area_if_none`): the same
 *   area, strength and range, with the prompt of the smallest entry there that covers the area (an entry
 *   without an area covers everything). Positive areas are twinned into the negative first, then the negative's
 *   (twins included) into the positive, which adds nothing when an entry of equal area is already there.
 */
import { conditioningEntries, type Conditioning, type ConditioningEntry } from '../../ports.ts';
import type { ModelSampling } from './model-sampling.ts';

export type LatentArea = NonNullable<ConditioningEntry['area']>;

/** One entry as the sampler evaluates it. */
export interface SampledEntry {
  /** Unique over both sides, stable for the run (keys cached model inputs). */
  id: number;
  /** The prompt the model is fed (its hidden states, pooled output). */
  entry: ConditioningEntry;
  area?: LatentArea;
  strength: number;
  /** Skipped while σ is above this (the range starts later). */
  sigmaStart?: number;
  /** Skipped while σ is below this (the range has ended). */
  sigmaEnd?: number;
}

const inside = (a: LatentArea, b: LatentArea): boolean => a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;
const sameArea = (a: LatentArea, b: LatentArea): boolean => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;

/** The other side's twin of `c`, or nothing when it needs none. */
function twinOf(c: SampledEntry, side: readonly SampledEntry[], id: number): SampledEntry | undefined {
  if (!c.area) return undefined;
  let smallest: SampledEntry | undefined;
  for (const x of side) {
    if (!x.area) {
      smallest ??= x;
    } else if (inside(c.area, x.area)) {
      // A covering area beats a whole-latent entry; among areas the first of the least size wins.
      if (!smallest?.area || smallest.area.width * smallest.area.height > x.area.width * x.area.height) smallest = x;
    }
  }
  if (!smallest || (smallest.area && sameArea(smallest.area, c.area))) return undefined;
  return { ...c, id, entry: smallest.entry };
}

export function prepareEntries(ms: ModelSampling, positive: Conditioning, negative: Conditioning): [SampledEntry[], SampledEntry[]] {
  let next = 0;
  const sides = [positive, negative].map((c) =>
    conditioningEntries(c).map((entry): SampledEntry => ({
      id: next++,
      entry,
      ...(entry.area && { area: entry.area }),
      strength: entry.strength ?? 1,
      ...(entry.timestepRange && { sigmaStart: ms.percentToSigma(entry.timestepRange[0]), sigmaEnd: ms.percentToSigma(entry.timestepRange[1]) }),
    })),
  ) as [SampledEntry[], SampledEntry[]];
  const addTwins = (from: readonly SampledEntry[], to: SampledEntry[]): void => {
    for (const c of [...from]) {
      const twin = twinOf(c, to, next);
      if (twin) {
        to.push(twin);
        next++;
      }
    }
  };
  addTwins(sides[0], sides[1]);
  addTwins(sides[1], sides[0]);
  return sides;
}
