/**
 * Second-order single-step samplers (k-diffusion sampling.py): Heun (`sample_heun`, Karras et al. 2022 alg. 2)
 * and DPM-Solver-2 (`sample_dpm_2`, `sample_dpm_2_ancestral`: a midpoint step at the geometric mean of σ).
 * The last step to σ = 0 is a plain Euler step.
 */
import { combine, toD } from '../tensor.ts';
import { defaultNoiseSampler } from '../noise.ts';
import { ancestralStep, eachStep, logMidpoint, type Sampler } from './types.ts';
import type { Denoiser } from '../denoiser.ts';

export const heun: Sampler = (model, x, sigmas, run) =>
  eachStep(model, x, sigmas, run, async (x, { sigma, next, denoised }) => {
    const d = toD(x, sigma, denoised);
    const dt = next - sigma;
    const euler = combine([1, x], [dt, d]);
    if (next === 0) return euler;
    const d2 = toD(euler, next, await model(euler, next));
    return combine([1, x], [dt / 2, d], [dt / 2, d2]);
  });

/** Euler to `target` if it is 0, else x + d2·(target − σ) with d2 the derivative at the log-midpoint of σ and `target`. */
async function midpointStep(model: Denoiser, x: Float32Array, sigma: number, target: number, d: Float32Array): Promise<Float32Array> {
  if (target === 0) return combine([1, x], [target - sigma, d]);
  const mid = logMidpoint(sigma, target);
  const x2 = combine([1, x], [mid - sigma, d]);
  const d2 = toD(x2, mid, await model(x2, mid));
  return combine([1, x], [target - sigma, d2]);
}

export const dpm2: Sampler = (model, x, sigmas, run) =>
  eachStep(model, x, sigmas, run, (x, { sigma, next, denoised }) => midpointStep(model, x, sigma, next, toD(x, sigma, denoised)));

export const dpm2Ancestral: Sampler = (model, x, sigmas, run) => {
  const noise = defaultNoiseSampler(run.shape, run.seed);
  return eachStep(model, x, sigmas, run, async (x, { sigma, next, denoised }) => {
    const { down, up } = ancestralStep(sigma, next);
    x = await midpointStep(model, x, sigma, down, toD(x, sigma, denoised));
    // k-diffusion adds the (zero-scaled) noise on the last step too; the draw keeps the stream aligned.
    return combine([1, x], [up, noise(sigma, next)]);
  });
};
