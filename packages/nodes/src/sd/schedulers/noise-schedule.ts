/**
 * The training noise schedule shared by every scheduler (diffusers `scheduling_euler_discrete.py` l.225-250,
 * identical in DDIM/DPMSolver/LCM): betas → alphas = 1 - betas → alphas_cumprod, and the k-diffusion sigma
 * table sqrt((1 - ᾱ)/ᾱ). diffusers builds these as float32 torch tensors, so we round like torch does:
 * `torch.linspace` in float32, `torch.cumprod` accumulating in double and storing float32, then float32 ops.
 */
import type { ResolvedSchedulerConfig } from './config.ts';
import { fmaf } from '../rng/fmaf.ts';

const f = Math.fround;

/**
 * float32 `torch.linspace(start, end, steps)` bit for bit as torch's x86 CPU kernel computes it
 * (`aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp`, AVX2 build): float32 `step = (end - start)/(steps-1)`;
 * element i is `start + step*i` before the halfway point and `end - step*(steps-1-i)` after it, each one FMA
 * (GCC contracts them). The vectorised part (the first ⌊steps/16⌋·16 elements) computes only the first lane of
 * each 8-lane vector that way and the other lanes as `base + k*step` (`Vectorized<float>::arange`).
 * Checked against torch 1.13.1 for both SD beta ranges (all 1000 values equal).
 */
function linspaceF32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 1) {
    out[0] = start;
    return out;
  }
  const s = f(start);
  const e = f(end);
  const step = f(f(e - s) / (steps - 1));
  const half = Math.floor(steps / 2);
  const scalar = (i: number): number => (i < half ? fmaf(step, i, s) : fmaf(-step, steps - i - 1, e));
  const vectorEnd = Math.floor(steps / 16) * 16;
  for (let i = 0; i < vectorEnd; i += 8) {
    const base = scalar(i);
    for (let k = 0; k < 8; k++) out[i + k] = f(base + f(k * step));
  }
  for (let i = vectorEnd; i < steps; i++) out[i] = scalar(i);
  return out;
}

/** diffusers `betas_for_alpha_bar` (cosine, max_beta 0.999) computed in double, stored as float32. */
function cosineBetas(n: number): Float32Array {
  const alphaBar = (t: number): number => Math.cos((((t + 0.008) / 1.008) * Math.PI) / 2) ** 2;
  return Float32Array.from({ length: n }, (_, i) => Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999));
}

/** Betas of the config, float32. */
function makeBetas(config: ResolvedSchedulerConfig): Float32Array {
  const n = config.numTrainTimesteps;
  if (config.trainedBetas) return Float32Array.from(config.trainedBetas);
  switch (config.betaSchedule) {
    case 'linear':
      return linspaceF32(config.betaStart, config.betaEnd, n);
    case 'scaled_linear':
      return linspaceF32(config.betaStart ** 0.5, config.betaEnd ** 0.5, n).map((b) => f(b * b));
    case 'squaredcos_cap_v2':
      return cosineBetas(n);
  }
}

/** Cumulative product of (1 - beta): torch's CPU cumprod keeps a double accumulator, output float32. */
function makeAlphasCumprod(betas: Float32Array): Float32Array {
  const out = new Float32Array(betas.length);
  let acc = 1;
  betas.forEach((beta, i) => {
    acc *= f(1 - beta);
    out[i] = acc;
  });
  return out;
}

/** sqrt((1 - ᾱ)/ᾱ) per train timestep (ascending t), float32 like `((1 - ac) / ac) ** 0.5` on a tensor. */
function sigmasFromAlphasCumprod(alphasCumprod: Float32Array): Float32Array {
  return alphasCumprod.map((a) => f(Math.sqrt(f(f(1 - a) / a))));
}

/**
 * diffusers `rescale_zero_terminal_snr` (scheduling_ddim.py; Lin et al. 2023, arXiv:2305.08891 Algorithm 1):
 * shift √ᾱ so its last value is 0, scale it so its first value is unchanged, and turn it back into betas.
 * float32 tensor ops, as in diffusers.
 */
function rescaleZeroTerminalSnr(betas: Float32Array): Float32Array {
  const sqrtBar = makeAlphasCumprod(betas).map((a) => f(Math.sqrt(a)));
  const first = sqrtBar[0]!;
  const last = sqrtBar[sqrtBar.length - 1]!;
  const scale = f(first / f(first - last));
  const bar = sqrtBar.map((v) => {
    const shifted = f(f(v - last) * scale);
    return f(shifted * shifted);
  });
  return bar.map((b, i) => f(1 - (i === 0 ? b : f(b / bar[i - 1]!))));
}

/** Everything derived from the config once. */
export interface NoiseSchedule {
  alphasCumprod: Float32Array;
  /** Indexed by train timestep 0..N-1 (ascending noise). */
  sigmas: Float32Array;
}

/**
 * Build the schedule of a resolved config. With zero terminal SNR, the σ-parameterised schedulers (Euler,
 * DPM-Solver) set the last ᾱ to 2⁻²⁴ so that σ_max stays finite (diffusers: "FP16 smallest positive
 * subnormal"); DDIM and LCM keep ᾱ = 0 there.
 */
export function makeNoiseSchedule(config: ResolvedSchedulerConfig, options: { finiteTerminalSigma?: boolean } = {}): NoiseSchedule {
  const betas = makeBetas(config);
  const alphasCumprod = makeAlphasCumprod(config.rescaleBetasZeroSnr ? rescaleZeroTerminalSnr(betas) : betas);
  if (config.rescaleBetasZeroSnr && options.finiteTerminalSigma) alphasCumprod[alphasCumprod.length - 1] = 2 ** -24;
  return { alphasCumprod, sigmas: sigmasFromAlphasCumprod(alphasCumprod) };
}
