/**
 * The scheduler interface the UNetSampler drives, modelled on diffusers (`set_timesteps`, `timesteps`,
 * `init_noise_sigma`, `scale_model_input`, `step`, `add_noise`), but indexed by the step number `i` of the
 * active schedule instead of by timestep value (diffusers maps a timestep back to its index; we skip that).
 *
 * Typical loop (txt2img, CFG omitted):
 * ```ts
 * s.setTimesteps(steps);                        // img2img: s.setTimesteps(steps, { denoise: 0.6 })
 * let x = scale(rng.randn(shape), s.initNoiseSigma);   // img2img: x = s.addNoise(latent, rng.randn(shape))
 * for (let i = 0; i < s.timesteps.length; i++) {
 *   const eps = unet(s.scaleModelInput(x, i), s.timesteps[i], cond);
 *   x = s.step(eps, i, x, rng).prevSample;       // rng: the same generator stream (ancestral / LCM noise)
 * }
 * ```
 * Timesteps are numbers: integers for DDIM/DPM++/LCM and Euler with plain spacing, fractional for Euler with
 * Karras sigmas. A UNet exported with an int64 `timestep` input needs {@link timestepForInt64Input}.
 * All tensors are flat float32 (`batch·channels·h·w`); results are new arrays, inputs are not modified.
 */
import type { ResolvedSchedulerConfig } from './config.ts';

/**
 * The samplers UNetSampler offers (ComfyUI-style names, diffusers semantics): the one list its parameter,
 * its checks and the scheduler factory read.
 */
export const SAMPLERS = ['euler', 'euler_ancestral', 'ddim', 'dpmpp_2m', 'lcm'] as const;
export type Sampler = (typeof SAMPLERS)[number];

/** The schedulers we implement: one per sampler, plus DPM++ 2M on Karras sigmas (its own configuration). */
export const SCHEDULER_NAMES = [...SAMPLERS, 'dpmpp_2m_karras'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

/** A stream of standard-normal noise (e.g. `TorchCpuGenerator`), used by ancestral and LCM steps. */
export interface NoiseSource {
  randnLike(like: { length: number }): Float32Array;
}

/** Options of {@link Scheduler.setTimesteps}. */
export interface SetTimestepsOptions {
  /**
   * img2img strength in [0, 1] (default 1 = txt2img). As diffusers' img2img `get_timesteps`: the schedule for
   * `steps` is built, then only its last `floor(steps·denoise)` steps run (LCM instead passes `strength` into
   * its own `set_timesteps`, as diffusers' LCM img2img pipeline does). May leave zero steps.
   */
  denoise?: number;
  /** How many images the flat tensors hold (default 1); dynamic thresholding works per image. */
  batch?: number;
}

/**
 * What one step gives, as diffusers' `step` returns it (`SchedulerOutput` in scheduling_ddim.py and its
 * siblings): the sample for the next step and the x0 prediction this step made (LCM: its `denoised`
 * consistency output), which previews show without a second computation.
 */
export interface StepOutput {
  prevSample: Float32Array;
  predOriginalSample: Float32Array;
}

/** One sampling method; create with `createScheduler`. */
export interface Scheduler {
  readonly name: SchedulerName;
  /** The configuration after the class defaults were applied. */
  readonly config: ResolvedSchedulerConfig;
  /** Build the schedule; must be called before anything else, and again to restart. */
  setTimesteps(steps: number, options?: SetTimestepsOptions): void;
  /** Model timesteps of the steps that will run, in order (descending). */
  readonly timesteps: readonly number[];
  /** Multiply txt2img starting noise by this (1 for DDIM/DPM++/LCM; σ_max or sqrt(σ_max²+1) for Euler). */
  readonly initNoiseSigma: number;
  /** The UNet input at step i (Euler: `x / sqrt(σ²+1)`; identity for the others). */
  scaleModelInput(sample: Float32Array, i: number): Float32Array;
  /** Advance from step i to i+1. Steps must run in order 0, 1, 2, … (multistep schedulers keep history). */
  step(modelOutput: Float32Array, i: number, sample: Float32Array, rng?: NoiseSource): StepOutput;
  /** img2img: noise a clean latent to the level of active step `i` (default 0, the first step that runs). */
  addNoise(original: Float32Array, noise: Float32Array, i?: number): Float32Array;
}

/**
 * Timestep value for a UNet whose `timestep` input is int64: round to nearest. (diffusers' own ONNX pipeline
 * converts with `np.array([t], dtype=int64)`, which truncates; the two differ only for fractional Karras
 * timesteps of Euler, where rounding is the closer one. DPM++ Karras already rounds, like diffusers.)
 */
export function timestepForInt64Input(t: number): number {
  return Math.round(t);
}

/** diffusers img2img `get_timesteps`: index of the first step that runs for a given strength. */
export function img2imgStartIndex(steps: number, denoise: number): number {
  if (!(denoise >= 0 && denoise <= 1)) throw new RangeError(`denoise must be in [0, 1], got ${denoise}`);
  const initTimestep = Math.min(Math.floor(steps * denoise), steps);
  return Math.max(steps - initTimestep, 0);
}

/** Throws unless `steps` is a positive integer no larger than the training schedule. */
export function checkSteps(steps: number, config: ResolvedSchedulerConfig): void {
  if (!Number.isInteger(steps) || steps < 1 || steps > config.numTrainTimesteps) {
    throw new RangeError(`steps must be an integer in [1, ${config.numTrainTimesteps}], got ${steps}`);
  }
}

/** Throws when two tensors that must match in size do not. */
export function checkSameLength(a: Float32Array, b: Float32Array, what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what}: ${a.length} vs ${b.length} values`);
}
