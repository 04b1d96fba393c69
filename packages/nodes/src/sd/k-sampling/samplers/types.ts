/** What every sampler gets besides the denoiser, the starting state and the σ list. */
import type { Denoiser } from '../denoiser.ts';
import { expSleefF32, logSleefF32 } from '../../rng/index.ts';

export interface SamplerRun {
  /** Latent batch shape [B, C, H, W]. */
  shape: readonly number[];
  /** The noise seed (ancestral and SDE noise are seeded from it, as in ComfyUI). */
  seed: number | bigint;
  /** After each step: its index and denoised estimate (previews, progress, cancellation). */
  onStep(step: number, denoised: Float32Array): void | Promise<void>;
}

/** A k-diffusion sampler: integrates from σ[0] to σ[last] and returns the final state. */
export type Sampler = (model: Denoiser, x: Float32Array, sigmas: readonly number[], run: SamplerRun) => Promise<Float32Array>;

/** One step of k-diffusion's loop: its index, σ, σ_next and the denoised estimate at σ. */
export interface Step {
  i: number;
  sigma: number;
  next: number;
  denoised: Float32Array;
}

/**
 * k-diffusion's common loop: for each σ → σ_next, denoise at σ, report the step, then let `advance` compute the
 * next state (it may call the model again and keeps its own history in its closure).
 */
export async function eachStep(
  model: Denoiser,
  x: Float32Array,
  sigmas: readonly number[],
  run: SamplerRun,
  advance: (x: Float32Array, step: Step) => Promise<Float32Array> | Float32Array,
): Promise<Float32Array> {
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i] as number;
    const denoised = await model(x, sigma);
    await run.onStep(i, denoised);
    x = await advance(x, { i, sigma, next: sigmas[i + 1] as number, denoised });
  }
  return x;
}

const f = Math.fround;

/**
 * k-diffusion `get_ancestral_step`: split σ → σ_next into a deterministic step to σ_down and fresh noise σ_up.
 * Rounded to float32 per operation like ComfyUI's tensors: σ_down can land exactly between two timesteps
 * (dpm_2_ancestral's midpoint is then σ_next in exact arithmetic), and the rounding decides which one the UNet gets.
 */
export function ancestralStep(from: number, to: number, eta = 1): { down: number; up: number } {
  if (!eta) return { down: to, up: 0 };
  const to2 = f(to * to);
  const from2 = f(from * from);
  const up = Math.min(to, f(eta * f(Math.sqrt(f(f(to2 * f(from2 - to2)) / from2)))));
  return { down: f(Math.sqrt(f(to2 - f(up * up)))), up };
}

/** exp(lerp(log a, log b, ½)) in float32 like torch (`lerp` at weight ½ computes b − (b − a)·½). */
export function logMidpoint(a: number, b: number): number {
  const la = logSleefF32(a);
  const lb = logSleefF32(b);
  return expSleefF32(f(lb - f(f(lb - la) * 0.5)));
}
