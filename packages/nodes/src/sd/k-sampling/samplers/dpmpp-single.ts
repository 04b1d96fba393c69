/**
 * DPM-Solver++ single-step second-order samplers in log-σ time t = −log σ (Lu et al. 2022, arXiv:2211.01095;
 * k-diffusion sampling.py `sample_dpmpp_2s_ancestral`, `sample_dpmpp_sde` with r = 1/2, η = 1).
 * Each step evaluates the model at σ and at the midpoint s of the step in t; the SDE variant adds Brownian noise
 * on both half steps. The last step to σ = 0 is an Euler step.
 */
import { combine, toD } from '../tensor.ts';
import { defaultNoiseSampler } from '../noise.ts';
import { brownianNoiseSampler } from '../brownian-tree.ts';
import { ancestralStep, eachStep, type Sampler } from './types.ts';
import { expSleefF32, logSleefF32 } from '../../rng/index.ts';

// In float32 with torch's own exp/log, like ComfyUI's tensors: the SDE noise is queried at these σ, and torchsde
// rounds query times to 6 decimals, float32's own resolution at σ ≈ 10; one ulp off picks other tree nodes.
const f = Math.fround;
const tOf = (sigma: number): number => -logSleefF32(sigma);
const sigmaOf = (t: number): number => expSleefF32(-t);

export const dpmpp2sAncestral: Sampler = (model, x, sigmas, run) => {
  const noise = defaultNoiseSampler(run.shape, run.seed);
  return eachStep(model, x, sigmas, run, async (x, { sigma, next, denoised }) => {
    const { down, up } = ancestralStep(sigma, next);
    if (down === 0) {
      x = combine([1, x], [down - sigma, toD(x, sigma, denoised)]);
    } else {
      const t = tOf(sigma);
      const h = f(tOf(down) - t);
      const s = f(t + f(h / 2));
      const x2 = combine([sigmaOf(s) / sigmaOf(t), x], [-Math.expm1(-h / 2), denoised]);
      const denoised2 = await model(x2, sigmaOf(s));
      x = combine([sigmaOf(tOf(down)) / sigmaOf(t), x], [-Math.expm1(-h), denoised2]);
    }
    return next > 0 ? combine([1, x], [up, noise(sigma, next)]) : x;
  });
};

export const dpmppSde: Sampler = (model, x, sigmas, run) => {
  const noise = brownianNoiseSampler(run.shape, sigmas, run.seed);
  const r = 0.5;
  const fac = 1 / (2 * r);
  return eachStep(model, x, sigmas, run, async (x, { sigma, next, denoised }) => {
    if (next === 0) return combine([1, x], [next - sigma, toD(x, sigma, denoised)]);
    const t = tOf(sigma);
    const tNext = tOf(next);
    const s = f(t + f(f(tNext - t) * r));
    // Step 1: to the midpoint s, ancestrally.
    const first = ancestralStep(sigmaOf(t), sigmaOf(s));
    const s_ = tOf(first.down);
    let x2 = combine([sigmaOf(s_) / sigmaOf(t), x], [-Math.expm1(t - s_), denoised]);
    x2 = combine([1, x2], [first.up, noise(sigmaOf(t), sigmaOf(s))]);
    const denoised2 = await model(x2, sigmaOf(s));
    // Step 2: the full step with the blended estimate.
    const second = ancestralStep(sigmaOf(t), sigmaOf(tNext));
    const tNext_ = tOf(second.down);
    const c = -Math.expm1(t - tNext_);
    x = combine([sigmaOf(tNext_) / sigmaOf(t), x], [c * (1 - fac), denoised], [c * fac, denoised2]);
    return combine([1, x], [second.up, noise(sigmaOf(t), sigmaOf(tNext))]);
  });
};
