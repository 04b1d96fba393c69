/**
 * Latent Consistency Model sampling (k-diffusion sampling.py `sample_lcm` as in ComfyUI): jump to the denoised
 * estimate, then re-noise it to the next σ with fresh noise (`noise_scaling`: x0 + σ·noise).
 */
import { combine } from '../tensor.ts';
import { defaultNoiseSampler } from '../noise.ts';
import type { Sampler } from './types.ts';

export const lcm: Sampler = async (model, x, sigmas, run) => {
  const noise = defaultNoiseSampler(run.shape, run.seed);
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i] as number;
    const next = sigmas[i + 1] as number;
    x = await model(x, sigma);
    await run.onStep(i, x);
    if (next > 0) x = combine([1, x], [next, noise(sigma, next)]);
  }
  return x;
};
