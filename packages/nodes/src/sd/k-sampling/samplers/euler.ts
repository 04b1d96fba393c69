/** Euler and Euler-ancestral (k-diffusion sampling.py `sample_euler`, `sample_euler_ancestral`; Karras et al. 2022 alg. 2 without churn). */
import { combine, toD } from '../tensor.ts';
import { defaultNoiseSampler } from '../noise.ts';
import { ancestralStep, eachStep, type Sampler } from './types.ts';

export const euler: Sampler = (model, x, sigmas, run) =>
  eachStep(model, x, sigmas, run, (x, { sigma, next, denoised }) => combine([1, x], [next - sigma, toD(x, sigma, denoised)]));

export const eulerAncestral: Sampler = (model, x, sigmas, run) => {
  const noise = defaultNoiseSampler(run.shape, run.seed);
  return eachStep(model, x, sigmas, run, (x, { sigma, next, denoised }) => {
    const { down, up } = ancestralStep(sigma, next);
    x = combine([1, x], [down - sigma, toD(x, sigma, denoised)]);
    return next > 0 ? combine([1, x], [up, noise(sigma, next)]) : x;
  });
};
