/**
 * Latent Consistency Model sampling (diffusers `LCMScheduler`, `scheduling_lcm.py`):
 * - timesteps (l.456-536): `k = N // original_inference_steps`; origin steps `k·(1..⌊orig·strength⌋) - 1`,
 *   reversed; pick `⌊linspace(0, len, n, endpoint=False)⌋` → 999, 759, 499, 259 for 4 steps;
 * - boundary scalings (l.548-567): `c_skip = σ_d²/((10t)² + σ_d²)`, `c_out = 10t/sqrt((10t)² + σ_d²)`, σ_d = 0.5;
 * - step (l.600-660): `x0 = (x - sqrt(1-ᾱ_t)·ε)/sqrt(ᾱ_t)`, `denoised = c_out·x0 + c_skip·x`, then
 *   `x_prev = sqrt(ᾱ_prev)·denoised + sqrt(1-ᾱ_prev)·z` with fresh noise z, except on the last step.
 * img2img strength goes into the schedule itself (`set_timesteps(strength=…)`), as in diffusers' LCM img2img
 * pipeline. LCM UNets also take `timestep_cond` (guidance embedding); that is the sampler's business.
 */
import { LoomError } from '@loom/engine';
import { resolveSchedulerConfig, type ResolvedSchedulerConfig, type SchedulerConfigFile } from './config.ts';
import { ddpmAddNoise } from './ddim.ts';
import { makeNoiseSchedule, type NoiseSchedule } from './noise-schedule.ts';
import { npLinspace } from './numpy-compat.ts';
import { thresholdSample } from './thresholding.ts';
import { checkSameLength, checkSteps, type NoiseSource, type Scheduler, type SchedulerName, type SetTimestepsOptions, type StepOutput } from './scheduler.ts';

const f = Math.fround;
const sqrt32 = (x: number): number => f(Math.sqrt(x));
const SIGMA_DATA_SQ = 0.25;

/** diffusers `LCMScheduler.__init__` defaults. */
const LCM_DEFAULTS = {
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear',
  setAlphaToOne: true,
  timestepSpacing: 'leading',
  originalInferenceSteps: 50,
  timestepScaling: 10,
  clipSample: false,
} as const;

/** LCMScheduler. */
export class LcmScheduler implements Scheduler {
  readonly name: SchedulerName = 'lcm';
  readonly config: ResolvedSchedulerConfig;
  readonly initNoiseSigma = 1;
  private readonly schedule: NoiseSchedule;
  private steps: number[] = [];
  private batch = 1;

  constructor(file: SchedulerConfigFile, overrides: Partial<ResolvedSchedulerConfig> = {}) {
    this.config = { ...resolveSchedulerConfig(file, LCM_DEFAULTS), ...overrides };
    this.schedule = makeNoiseSchedule(this.config);
  }

  setTimesteps(steps: number, options: SetTimestepsOptions = {}): void {
    checkSteps(steps, this.config);
    const strength = options.denoise ?? 1;
    this.batch = options.batch ?? 1;
    const original = this.config.originalInferenceSteps;
    const k = Math.floor(this.config.numTrainTimesteps / original);
    const origin = Array.from({ length: Math.floor(original * strength) }, (_, j) => (j + 1) * k - 1).reverse();
    if (steps > original || Math.floor(origin.length / steps) < 1) {
      throw new LoomError(
        'PARAM_INVALID',
        `LCM: ${steps} steps need original_inference_steps × denoise >= steps (${original} × ${strength} = ${origin.length}); use at most ${Math.min(original, origin.length)} steps or a higher denoise.`,
        { input: 'steps' },
      );
    }
    this.steps = npLinspace(0, origin.length, steps, false).map((x) => origin[Math.floor(x)]!);
  }

  get timesteps(): readonly number[] {
    return this.steps;
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, i: number, sample: Float32Array, rng?: NoiseSource): StepOutput {
    const denoised = this.denoised(modelOutput, i, sample);
    if (i === this.steps.length - 1) return { prevSample: denoised, predOriginalSample: denoised };
    if (!rng) throw new LoomError('NODE_FAILED', 'lcm needs a noise source (the seeded generator) for every step but the last');
    const alphaPrev = this.schedule.alphasCumprod[this.steps[i + 1]!]!;
    return { prevSample: ddpmAddNoise(alphaPrev, denoised, rng.randnLike(sample)), predOriginalSample: denoised };
  }

  addNoise(original: Float32Array, noise: Float32Array, i = 0): Float32Array {
    checkSameLength(original, noise, 'addNoise');
    return ddpmAddNoise(this.schedule.alphasCumprod[this.timestepAt(i)]!, original, noise);
  }

  /** The consistency output `c_out·x0 + c_skip·x` (diffusers returns it as `denoised`). */
  private denoised(modelOutput: Float32Array, i: number, sample: Float32Array): Float32Array {
    checkSameLength(modelOutput, sample, 'step');
    const t = this.timestepAt(i);
    const alpha = this.schedule.alphasCumprod[t]!;
    const sa = sqrt32(alpha);
    const sb = sqrt32(f(1 - alpha));
    const scaled = f(t * this.config.timestepScaling);
    const denom = f(f(scaled * scaled) + SIGMA_DATA_SQ);
    const cSkip = f(SIGMA_DATA_SQ / denom);
    const cOut = f(scaled / sqrt32(denom));
    let x0 =
      this.config.predictionType === 'epsilon'
        ? sample.map((x, k) => f(x - f(sb * modelOutput[k]!)) / sa)
        : sample.map((x, k) => f(sa * x) - f(sb * modelOutput[k]!));
    if (this.config.thresholding) x0 = thresholdSample(x0, this.batch, this.config.dynamicThresholdingRatio, this.config.sampleMaxValue);
    else if (this.config.clipSample) {
      const r = this.config.clipSampleRange;
      x0 = x0.map((x) => Math.min(r, Math.max(-r, x)));
    }
    return x0.map((x, k) => f(cOut * x) + f(cSkip * sample[k]!));
  }

  private timestepAt(i: number): number {
    const t = this.steps[i];
    if (t === undefined || i < 0) throw new RangeError(`step ${i} is outside the schedule (call setTimesteps first)`);
    return t;
  }
}
