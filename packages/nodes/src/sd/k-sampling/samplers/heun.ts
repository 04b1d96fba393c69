/**
 * Second-order single-step samplers (k-diffusion sampling.py): Heun (`sample_heun`, Karras et al. 2022 alg. 2)
 * and DPM-Solver-2 (`sample_dpm_2`, `sample_dpm_2_ancestral`: a midpoint step at the geometric mean of σ).
 * The last step to σ = 0 is a plain Euler step.
 */
import { combine, toD } from '../tensor.ts';
import { defaultNoiseSampler } from '../noise.ts';
import { ancestralStep, logMidpoint, type Sampler } from './types.ts';
import type { Denoiser } from '../denoiser.ts';

export const heun: Sampler = async (model, x, sigmas, run) => {
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i] as number;
    const next = sigmas[i + 1] as number;
    const denoised = await model(x, sigma);
    await run.onStep(i, denoised);
    const d = toD(x, sigma, denoised);
    const dt = next - sigma;
    if (next === 0) {
      x = combine([1, x], [dt, d]);
      continue;
    }
    const x2 = combine([1, x], [dt, d]);
    const d2 = toD(x2, next, await model(x2, next));
    x = combine([1, x], [dt / 2, d], [dt / 2, d2]);
  }
  return x;
};

/** x + d2·(target − σ), d2 the derivative at the log-midpoint of σ and `target`. */
async function midpointStep(model: Denoiser, x: Float32Array, sigma: number, target: number, d: Float32Array): Promise<Float32Array> {
  const mid = logMidpoint(sigma, target);
  const x2 = combine([1, x], [mid - sigma, d]);
  const d2 = toD(x2, mid, await model(x2, mid));
  return combine([1, x], [target - sigma, d2]);
}

export const dpm2: Sampler = async (model, x, sigmas, run) => {
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i] as number;
    const next = sigmas[i + 1] as number;
    const denoised = await model(x, sigma);
    await run.onStep(i, denoised);
    const d = toD(x, sigma, denoised);
    x = next === 0 ? combine([1, x], [next - sigma, d]) : await midpointStep(model, x, sigma, next, d);
  }
  return x;
};

export const dpm2Ancestral: Sampler = async (model, x, sigmas, run) => {
  const noise = defaultNoiseSampler(run.shape, run.seed);
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i] as number;
    const next = sigmas[i + 1] as number;
    const denoised = await model(x, sigma);
    await run.onStep(i, denoised);
    const { down, up } = ancestralStep(sigma, next);
    const d = toD(x, sigma, denoised);
    x = down === 0 ? combine([1, x], [down - sigma, d]) : await midpointStep(model, x, sigma, down, d);
    // k-diffusion adds the (zero-scaled) noise on the last step too; the draw keeps the stream aligned.
    x = combine([1, x], [up, noise(sigma, next)]);
  }
  return x;
};
