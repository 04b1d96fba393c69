/**
 * DPM-Solver++ multistep samplers (Lu et al. 2022, arXiv:2211.01095; k-diffusion sampling.py `sample_dpmpp_2m`,
 * `sample_dpmpp_2m_sde` (midpoint solver, η = 1), `sample_dpmpp_3m_sde` (η = 1)): each step reuses the previous
 * denoised estimates for a higher-order update in t = −log σ; the SDE variants add Brownian noise scaled by
 * σ_next·sqrt(1 − e^(−2ηh)). Stepping to σ = 0 returns the denoised estimate.
 */
import { combine } from '../tensor.ts';
import { brownianNoiseSampler } from '../brownian.ts';
import type { Sampler } from './types.ts';

export const dpmpp2m: Sampler = async (model, x, sigmas, run) => {
  let previous: Float32Array | undefined;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i] as number;
    const next = sigmas[i + 1] as number;
    const denoised = await model(x, sigma);
    await run.onStep(i, denoised);
    const t = -Math.log(sigma);
    const h = -Math.log(next) - t;
    const ratio = next / sigma;
    if (!previous || next === 0) {
      x = combine([ratio, x], [-Math.expm1(-h), denoised]);
    } else {
      const r = (t + Math.log(sigmas[i - 1] as number)) / h;
      x = combine([ratio, x], [-Math.expm1(-h) * (1 + 1 / (2 * r)), denoised], [Math.expm1(-h) / (2 * r), previous]);
    }
    previous = denoised;
  }
  return x;
};

export const dpmpp2mSde: Sampler = async (model, x, sigmas, run) => {
  const noise = brownianNoiseSampler(run.shape, sigmas, run.seed);
  const eta = 1;
  let previous: Float32Array | undefined;
  let hLast: number | undefined;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i] as number;
    const next = sigmas[i + 1] as number;
    const denoised = await model(x, sigma);
    await run.onStep(i, denoised);
    let h: number | undefined;
    if (next === 0) {
      x = denoised;
    } else {
      h = Math.log(sigma) - Math.log(next);
      const etaH = eta * h;
      const c = -Math.expm1(-h - etaH);
      x = combine([(next / sigma) * Math.exp(-etaH), x], [c, denoised]);
      if (previous && hLast !== undefined) {
        const r = hLast / h;
        x = combine([1, x], [(0.5 * c) / r, denoised], [(-0.5 * c) / r, previous]);
      }
      x = combine([1, x], [next * Math.sqrt(-Math.expm1(-2 * etaH)), noise(sigma, next)]);
    }
    previous = denoised;
    hLast = h;
  }
  return x;
};

export const dpmpp3mSde: Sampler = async (model, x, sigmas, run) => {
  const noise = brownianNoiseSampler(run.shape, sigmas, run.seed);
  const eta = 1;
  let d1: Float32Array | undefined;
  let d2: Float32Array | undefined;
  let h1: number | undefined;
  let h2: number | undefined;
  let h: number | undefined;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i] as number;
    const next = sigmas[i + 1] as number;
    const denoised = await model(x, sigma);
    await run.onStep(i, denoised);
    if (next === 0) {
      x = denoised;
    } else {
      h = Math.log(sigma) - Math.log(next);
      const hEta = h * (eta + 1);
      x = combine([Math.exp(-hEta), x], [-Math.expm1(-hEta), denoised]);
      const phi2 = Math.expm1(-hEta) / hEta + 1;
      if (h2 !== undefined && d1 && d2 && h1 !== undefined) {
        const r0 = h1 / h;
        const r1 = h2 / h;
        const d10 = combine([1 / r0, denoised], [-1 / r0, d1]);
        const d11 = combine([1 / r1, d1], [-1 / r1, d2]);
        const first = combine([1 + r0 / (r0 + r1), d10], [-r0 / (r0 + r1), d11]);
        const second = combine([1 / (r0 + r1), d10], [-1 / (r0 + r1), d11]);
        const phi3 = phi2 / hEta - 0.5;
        x = combine([1, x], [phi2, first], [-phi3, second]);
      } else if (h1 !== undefined && d1) {
        const r = h1 / h;
        x = combine([1, x], [phi2 / r, denoised], [-phi2 / r, d1]);
      }
      x = combine([1, x], [next * Math.sqrt(-Math.expm1(-2 * h * eta)), noise(sigma, next)]);
    }
    d2 = d1;
    d1 = denoised;
    h2 = h1;
    h1 = h;
  }
  return x;
};
