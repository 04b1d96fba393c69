/**
 * The σ list one KSampler / KSamplerAdvanced call runs through (comfy/samplers.py `KSampler.calculate_sigmas`,
 * `set_steps`, `sample`):
 * - dpm_2, dpm_2_ancestral and uni_pc compute one step more and drop the penultimate σ;
 * - `denoise` < 1 computes ⌊steps / denoise⌋ steps and keeps the last steps + 1 σ; denoise 0 samples nothing;
 * - `endAtStep` < steps cuts the list after that step (and sets its last σ to 0 with `forceFullDenoise`);
 *   `startAtStep` drops the steps before it, and past the end nothing is sampled.
 */
import { schedulerSigmas, type SchedulerName } from './schedulers.ts';
import type { ModelSampling } from './model-sampling.ts';

const DISCARD_PENULTIMATE = new Set(['dpm_2', 'dpm_2_ancestral', 'uni_pc', 'uni_pc_bh2']);

export interface StepRange {
  startAtStep?: number;
  endAtStep?: number;
  /** KSamplerAdvanced with return_with_leftover_noise disabled. */
  forceFullDenoise?: boolean;
}

/** `calculate_sigmas`: the scheduler's list for `steps`, adjusted for the samplers that discard a σ. */
export function calculateSigmas(ms: ModelSampling, scheduler: SchedulerName, sampler: string, steps: number): number[] {
  if (!DISCARD_PENULTIMATE.has(sampler)) return schedulerSigmas(ms, scheduler, steps);
  const sigmas = schedulerSigmas(ms, scheduler, steps + 1);
  return [...sigmas.slice(0, -2), ...sigmas.slice(-1)];
}

/** The σ list to sample, or `undefined` when nothing is sampled (the latent is returned unchanged). */
export function ksamplerSigmas(
  ms: ModelSampling,
  scheduler: SchedulerName,
  sampler: string,
  steps: number,
  denoise = 1,
  range: StepRange = {},
): number[] | undefined {
  let sigmas: number[];
  if (denoise > 0.9999) sigmas = calculateSigmas(ms, scheduler, sampler, steps);
  else if (denoise <= 0) return undefined;
  else sigmas = calculateSigmas(ms, scheduler, sampler, Math.trunc(steps / denoise)).slice(-(steps + 1));
  const { startAtStep, endAtStep } = range;
  if (endAtStep !== undefined && endAtStep < sigmas.length - 1) {
    sigmas = sigmas.slice(0, endAtStep + 1);
    if (range.forceFullDenoise) sigmas[sigmas.length - 1] = 0;
  }
  if (startAtStep !== undefined) {
    if (startAtStep >= sigmas.length - 1) return undefined;
    sigmas = sigmas.slice(startAtStep);
  }
  return sigmas;
}
