/**
 * ComfyUI's schedulers: `steps` → a decreasing σ list ending in 0 (comfy/samplers.py `normal_scheduler`,
 * `simple_scheduler`, `ddim_scheduler`, `beta_scheduler`; k-diffusion sampling.py `get_sigmas_karras`,
 * `get_sigmas_exponential`). Values are float32 like ComfyUI's tensors.
 */
import type betaQuantileFunction from '@stdlib/stats-base-dists-beta-quantile';
import { lazyRequire } from '../../lazy-require.ts';
import type { ModelSampling } from './model-sampling.ts';
import { expSleefF32 } from '../rng/index.ts';

export const SCHEDULER_NAMES = ['normal', 'karras', 'exponential', 'sgm_uniform', 'simple', 'ddim_uniform', 'beta'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

const f = Math.fround;
/** Required on first use (lazy-require.ts): most graphs never use the beta schedule. */
const loadBetaQuantile = lazyRequire<typeof betaQuantileFunction>('@stdlib/stats-base-dists-beta-quantile');

/**
 * torch.linspace(start, end, n) in float32 as torch's CPU kernel computes it (aten/src/ATen/native/cpu/
 * RangeFactoriesKernel.cpp): a float32 step, the first half counted up from start, the second down from end.
 * The σ lists must be float32-exact: the SDE samplers' Brownian tree rounds them to 6 decimals.
 */
function linspace(start: number, end: number, n: number): number[] {
  const [a, b] = [f(start), f(end)];
  if (n === 1) return [a];
  const step = f(f(b - a) / (n - 1));
  const half = Math.floor(n / 2);
  return Array.from({ length: n }, (_, i) => (i < half ? f(a + f(step * i)) : f(b - f(step * (n - i - 1)))));
}

/** Karras et al. 2022 eq. 5, ρ = 7, between the table's σ_min and σ_max (float32 tensor ops, as k-diffusion). */
function karras(ms: ModelSampling, n: number, rho = 7): number[] {
  const lo = ms.sigmaMin ** (1 / rho);
  const hi = ms.sigmaMax ** (1 / rho);
  return [...linspace(0, 1, n).map((r) => f(f(f(hi) + f(r * f(lo - hi))) ** rho)), 0];
}

/** Evenly spaced in log σ. */
function exponential(ms: ModelSampling, n: number): number[] {
  return [...linspace(Math.log(ms.sigmaMax), Math.log(ms.sigmaMin), n).map(expSleefF32), 0];
}

/**
 * Timesteps evenly spaced from the table's last to its first (`normal`), or `n` of `n + 1` such points
 * (`sgm_uniform`), each mapped to σ by log-linear interpolation. A table whose σ_min is ~0 gets one more
 * point instead of the appended 0 (ComfyUI does this for zero-terminal-SNR tables).
 */
function normal(ms: ModelSampling, n: number, sgm = false): number[] {
  const start = ms.timestep(ms.sigmaMax);
  const end = ms.timestep(ms.sigmaMin);
  if (sgm)
    return [
      ...linspace(start, end, n + 1)
        .slice(0, -1)
        .map((t) => ms.sigma(t)),
      0,
    ];
  if (Math.abs(ms.sigma(end)) <= 1e-5) return linspace(start, end, n + 1).map((t) => ms.sigma(t));
  return [...linspace(start, end, n).map((t) => ms.sigma(t)), 0];
}

/** Every (N/n)-th table entry from the top. */
function simple(ms: ModelSampling, n: number): number[] {
  const count = ms.sigmas.length;
  const stride = count / n;
  return [...Array.from({ length: n }, (_, x) => ms.sigmas[count - 1 - Math.trunc(x * stride)] as number), 0];
}

/** Table entries 1, 1 + k, 1 + 2k, … (k = ⌊N/n⌋), reversed, then 0. */
function ddimUniform(ms: ModelSampling, n: number): number[] {
  const count = ms.sigmas.length;
  const zeroFirst = Math.abs(ms.sigmas[1] as number) <= 1e-5;
  const stride = Math.max(Math.floor(count / (zeroFirst ? n + 1 : n)), 1);
  const out: number[] = zeroFirst ? [] : [0];
  for (let x = 1; x < count; x += stride) out.push(ms.sigmas[x] as number);
  return out.reverse();
}

/**
 * Timesteps at the quantiles of Beta(0.6, 0.6) (arXiv:2407.12173), rounded half-to-even like numpy's
 * `rint`, repeats dropped. The quantile is @stdlib's port of Boost's `ibeta_inv`, the routine behind scipy's.
 */
function beta(ms: ModelSampling, n: number, alpha = 0.6, b = 0.6): number[] {
  const total = ms.sigmas.length - 1;
  const out: number[] = [];
  let last = -1;
  const betaQuantile = loadBetaQuantile();
  for (let i = 0; i < n; i++) {
    const t = roundHalfEven(betaQuantile(1 - i / n, alpha, b) * total);
    if (t !== last) out.push(ms.sigmas[t] as number);
    last = t;
  }
  return [...out, 0];
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The σ list of `scheduler` for `steps` steps (length steps + 1 for most, ending in 0). */
export function schedulerSigmas(ms: ModelSampling, scheduler: SchedulerName, steps: number): number[] {
  switch (scheduler) {
    case 'normal':
      return normal(ms, steps);
    case 'karras':
      return karras(ms, steps);
    case 'exponential':
      return exponential(ms, steps);
    case 'sgm_uniform':
      return normal(ms, steps, true);
    case 'simple':
      return simple(ms, steps);
    case 'ddim_uniform':
      return ddimUniform(ms, steps);
    case 'beta':
      return beta(ms, steps);
  }
}
