/**
 * DPM-Solver++ multistep samplers (Lu et al. 2022, arXiv:2211.01095; k-diffusion sampling.py `sample_dpmpp_2m`,
 * `sample_dpmpp_2m_sde` (midpoint solver, η = 1), `sample_dpmpp_3m_sde` (η = 1)): each step reuses the previous
 * denoised estimates for a higher-order update in t = −log σ; the SDE variants add Brownian noise scaled by
 * σ_next·sqrt(1 − e^(−2ηh)). Stepping to σ = 0 returns the denoised estimate.
 */
import { combine } from '../tensor.ts';
import { brownianNoiseSampler } from '../brownian-tree.ts';
import { eachStep, type Sampler } from './types.ts';

export const dpmpp2m: Sampler = (model, x, sigmas, run) => {
  let previous: Float32Array | undefined;
  return eachStep(model, x, sigmas, run, (x, { i, sigma, next, denoised }) => {
    const t = -Math.log(sigma);
    const h = -Math.log(next) - t;
    const c = -Math.expm1(-h);
    const old = previous;
    previous = denoised;
    if (!old || next === 0) return combine([next / sigma, x], [c, denoised]);
    const r = (t + Math.log(sigmas[i - 1] as number)) / h;
    return combine([next / sigma, x], [c * (1 + 1 / (2 * r)), denoised], [-c / (2 * r), old]);
  });
};

/** σ_next·sqrt(1 − e^(−2ηh))-scaled Brownian noise, the SDE samplers' last term. */
function withSdeNoise(x: Float32Array, noise: Float32Array, next: number, etaH: number): Float32Array {
  return combine([1, x], [next * Math.sqrt(-Math.expm1(-2 * etaH)), noise]);
}

export const dpmpp2mSde: Sampler = (model, x, sigmas, run) => {
  const noise = brownianNoiseSampler(run.shape, sigmas, run.seed);
  let previous: Float32Array | undefined;
  let hLast: number | undefined;
  return eachStep(model, x, sigmas, run, (x, { sigma, next, denoised }) => {
    const old = previous;
    previous = denoised;
    if (next === 0) return denoised;
    const h = Math.log(sigma) - Math.log(next);
    const c = -Math.expm1(-2 * h); // −expm1(−h − ηh) with η = 1
    x = combine([(next / sigma) * Math.exp(-h), x], [c, denoised]);
    if (old && hLast !== undefined) {
      const r = hLast / h;
      x = combine([1, x], [(0.5 * c) / r, denoised], [(-0.5 * c) / r, old]);
    }
    hLast = h;
    return withSdeNoise(x, noise(sigma, next), next, h);
  });
};

export const dpmpp3mSde: Sampler = (model, x, sigmas, run) => {
  const noise = brownianNoiseSampler(run.shape, sigmas, run.seed);
  // The two previous denoised estimates and step sizes (k-diffusion's denoised_1/2, h_1/2).
  let d1: Float32Array | undefined;
  let d2: Float32Array | undefined;
  let h1: number | undefined;
  let h2: number | undefined;
  let h: number | undefined;
  return eachStep(model, x, sigmas, run, (x, { sigma, next, denoised }) => {
    if (next !== 0) {
      h = Math.log(sigma) - Math.log(next);
      const hEta = 2 * h; // h·(η + 1)
      x = combine([Math.exp(-hEta), x], [-Math.expm1(-hEta), denoised]);
      const phi2 = Math.expm1(-hEta) / hEta + 1;
      if (h2 !== undefined && h1 !== undefined && d1 && d2) {
        const r0 = h1 / h;
        const r1 = h2 / h;
        const d10 = combine([1 / r0, denoised], [-1 / r0, d1]);
        const d11 = combine([1 / r1, d1], [-1 / r1, d2]);
        const first = combine([1 + r0 / (r0 + r1), d10], [-r0 / (r0 + r1), d11]);
        const second = combine([1 / (r0 + r1), d10], [-1 / (r0 + r1), d11]);
        x = combine([1, x], [phi2, first], [-(phi2 / hEta - 0.5), second]);
      } else if (h1 !== undefined && d1) {
        x = combine([1, x], [(phi2 * h) / h1, denoised], [(-phi2 * h) / h1, d1]);
      }
      x = withSdeNoise(x, noise(sigma, next), next, h);
    } else {
      x = denoised;
    }
    [d2, d1] = [d1, denoised];
    [h2, h1] = [h1, h];
    return x;
  });
};
