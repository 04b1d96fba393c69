/**
 * Timestep selection ("spacing", arXiv 2305.08891 Table 2) and the sigma helpers, exactly as each diffusers
 * scheduler's `set_timesteps` computes them. The classes differ in small ways, kept here side by side:
 * - Euler / Euler ancestral (`scheduling_euler_discrete.py` l.411-432): float timesteps; linspace is
 *   `linspace(0, N-1, n)` unrounded.
 * - DDIM (`scheduling_ddim.py` `set_timesteps`): the same three rules, rounded to int64.
 * - DPMSolverMultistep (`scheduling_dpmsolver_multistep.py` l.413-437): `n + 1` points with the last dropped,
 *   and "leading" uses `N // (n + 1)`.
 * - Karras sigmas (`_convert_to_karras`, from k-diffusion `get_sigmas_karras`, ρ = 7) and `_sigma_to_t`
 *   (piecewise-linear interpolation in log σ; euler l.483-518).
 */
import type { ResolvedSchedulerConfig } from './config.ts';
import { npArange, npLinspace, roundHalfEven } from './numpy-compat.ts';

const f = Math.fround;

/** EulerDiscrete / EulerAncestral timesteps, as float32 values (descending). */
export function eulerTimesteps(config: ResolvedSchedulerConfig, steps: number): number[] {
  const N = config.numTrainTimesteps;
  switch (config.timestepSpacing) {
    case 'linspace':
      return npLinspace(0, N - 1, steps)
        .map(f)
        .reverse();
    case 'leading': {
      const ratio = Math.floor(N / steps);
      return Array.from({ length: steps }, (_, i) => roundHalfEven(i * ratio))
        .reverse()
        .map((t) => f(t + config.stepsOffset));
    }
    case 'trailing':
      return npArange(N, 0, -N / steps).map((t) => f(roundHalfEven(t)) - 1);
  }
}

/** DDIM timesteps (int64, descending). */
export function ddimTimesteps(config: ResolvedSchedulerConfig, steps: number): number[] {
  const N = config.numTrainTimesteps;
  switch (config.timestepSpacing) {
    case 'linspace':
      return npLinspace(0, N - 1, steps)
        .map(roundHalfEven)
        .reverse();
    case 'leading': {
      const ratio = Math.floor(N / steps);
      return Array.from({ length: steps }, (_, i) => i * ratio + config.stepsOffset).reverse();
    }
    case 'trailing':
      return npArange(N, 0, -N / steps).map((t) => roundHalfEven(t) - 1);
  }
}

/** DPMSolverMultistep timesteps without Karras sigmas (int64, descending; `lambda_min_clipped` = -inf). */
export function dpmTimesteps(config: ResolvedSchedulerConfig, steps: number): number[] {
  const N = config.numTrainTimesteps;
  switch (config.timestepSpacing) {
    case 'linspace':
      return npLinspace(0, N - 1, steps + 1)
        .map(roundHalfEven)
        .reverse()
        .slice(0, -1);
    case 'leading': {
      const ratio = Math.floor(N / (steps + 1));
      return Array.from({ length: steps + 1 }, (_, i) => i * ratio)
        .reverse()
        .slice(0, -1)
        .map((t) => t + config.stepsOffset);
    }
    case 'trailing':
      return npArange(N, 0, -N / steps).map((t) => roundHalfEven(t) - 1);
  }
}

/** Karras et al. (2022) sigmas between `sigmaMax` and `sigmaMin`, ρ = 7, in float64 (no final zero). */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, steps: number): number[] {
  const rho = 7;
  const minInvRho = sigmaMin ** (1 / rho);
  const maxInvRho = sigmaMax ** (1 / rho);
  return npLinspace(0, 1, steps).map((ramp) => (maxInvRho + ramp * (minInvRho - maxInvRho)) ** rho);
}

/** log of each float32 table sigma, rounded to float32 like `np.log` on a float32 array. */
export function logSigmasF32(sigmaTable: Float32Array): Float64Array {
  return Float64Array.from(sigmaTable, (s) => f(Math.log(s)));
}

/**
 * Fractional train timestep of `sigma` (diffusers `_sigma_to_t`): find the last table entry whose log σ is
 * <= log(sigma) (clamped to N-2), interpolate linearly in log σ to the next one.
 */
export function sigmaToT(sigma: number, logSigmas: Float64Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let low = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i]! >= 0) low = i;
  low = Math.min(low, logSigmas.length - 2);
  const lo = logSigmas[low]!;
  const hi = logSigmas[low + 1]!;
  const w = Math.min(1, Math.max(0, (lo - logSigma) / (lo - hi)));
  return (1 - w) * low + w * (low + 1);
}
