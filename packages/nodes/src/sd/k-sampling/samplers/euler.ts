/** Euler and Euler-ancestral (k-diffusion sampling.py `sample_euler`, `sample_euler_ancestral`; Karras et al. 2022 alg. 2 without churn). */
import { combine, toD } from '../tensor.ts';
import { defaultNoiseSampler } from '../noise.ts';
import { ancestralStep, type Sampler } from './types.ts';

export const euler: Sampler = async (model, x, sigmas, run) => {
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i] as number;
    const denoised = await model(x, sigma);
    await run.onStep(i, denoised);
    x = combine([1, x], [(sigmas[i + 1] as number) - sigma, toD(x, sigma, denoised)]);
  }
  return x;
};

export const eulerAncestral: Sampler = async (model, x, sigmas, run) => {
  const noise = defaultNoiseSampler(run.shape, run.seed);
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i] as number;
    const next = sigmas[i + 1] as number;
    const denoised = await model(x, sigma);
    await run.onStep(i, denoised);
    const { down, up } = ancestralStep(sigma, next);
    x = combine([1, x], [down - sigma, toD(x, sigma, denoised)]);
    if (next > 0) x = combine([1, x], [up, noise(sigma, next)]);
  }
  return x;
};
