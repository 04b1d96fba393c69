/**
 * Latent Consistency Model sampling (k-diffusion sampling.py `sample_lcm` as in ComfyUI): jump to the denoised
 * estimate, then re-noise it to the next σ with fresh noise (`noise_scaling`: x0 + σ·noise).
 */
import { combine } from '../tensor.ts';
import { defaultNoiseSampler } from '../noise.ts';
import { eachStep, type Sampler } from './types.ts';

export const lcm: Sampler = (model, x, sigmas, run) => {
  const noise = defaultNoiseSampler(run.shape, run.seed);
  return eachStep(model, x, sigmas, run, (_, { sigma, next, denoised }) => (next > 0 ? combine([1, denoised], [next, noise(sigma, next)]) : denoised));
};
