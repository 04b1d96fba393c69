/**
 * KSampler's guided denoiser (comfy/samplers.py `sampling_function`, `cfg_function`): each side's entries are
 * evaluated and averaged ({@link calcCondBatch}), then CFG combines the denoised averages as
 * `uncond + (cond − uncond)·cfg`. With cfg 1 (within math.isclose's relative 1e-9) the negative is not evaluated
 * and counts as 0, as in ComfyUI. A plain one-prompt conditioning is the one-entry case of the same path.
 */
import type { Conditioning } from '../../ports.ts';
import { calcCondBatch, type EntryRun } from './cond-batch.ts';
import { prepareEntries } from './cond-entries.ts';
import { calculateDenoised, inputScale, type Denoiser } from './denoiser.ts';
import type { ModelSampling } from './model-sampling.ts';
import { combine } from './tensor.ts';

/**
 * The model's output (ε or v) on scaled crops, shape [runs × batch, C, h, w], at an integer timestep; run `r`'s
 * rows are conditioned on `runs[r].sampled.entry`.
 */
export type EntryPrediction = (scaledInput: Float32Array, shape: readonly number[], timestep: number, runs: readonly EntryRun[]) => Promise<Float32Array>;

export function conditionedDenoiser(
  ms: ModelSampling,
  predict: EntryPrediction,
  shape: readonly number[],
  positive: Conditioning,
  negative: Conditioning,
  cfg: number,
): Denoiser {
  const [pos, neg] = prepareEntries(ms, positive, negative);
  const skipNegative = Math.abs(cfg - 1) <= 1e-9 * Math.max(1, Math.abs(cfg));
  const sides = skipNegative ? [pos] : [pos, neg];
  return async (x, sigma) => {
    const cIn = inputScale(sigma);
    const timestep = ms.timestep(sigma);
    const evaluate = async (runs: readonly EntryRun[], input: Float32Array, cropShape: readonly number[]): Promise<Float32Array> =>
      calculateDenoised(
        ms,
        sigma,
        input,
        await predict(
          input.map((v) => v * cIn),
          cropShape,
          timestep,
          runs,
        ),
      );
    const [cond, uncond] = await calcCondBatch(evaluate, sides, x, shape, sigma);
    if (!uncond) return combine([cfg, cond as Float32Array]);
    return combine([1, uncond], [cfg, cond as Float32Array], [-cfg, uncond]);
  };
}
