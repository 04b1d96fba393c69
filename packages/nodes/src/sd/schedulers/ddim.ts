/**
 * DDIM with η = 0 (diffusers `DDIMScheduler`, `scheduling_ddim.py` `step` l.440-507, the pipelines' default
 * eta): `prev_t = t - N // n` (also for "trailing"/"linspace" spacing, as diffusers does);
 * `x0 = (x - sqrt(1-ᾱ_t)·ε) / sqrt(ᾱ_t)` (optionally clamped, `clip_sample`);
 * `x_prev = sqrt(ᾱ_prev)·x0 + sqrt(1-ᾱ_prev)·ε`, with `ᾱ_prev = 1` or `ᾱ_0` past the start (`set_alpha_to_one`).
 * Integer timesteps, no input scaling, `init_noise_sigma = 1`. Class defaults: "leading" spacing,
 * `clip_sample: true`, `set_alpha_to_one: true` — a config without those keys gets them, as in diffusers.
 */
import { resolveSchedulerConfig, type ResolvedSchedulerConfig, type SchedulerConfigFile } from './config.ts';
import { makeNoiseSchedule, type NoiseSchedule } from './noise-schedule.ts';
import {
  checkSameLength,
  checkSteps,
  img2imgStartIndex,
  type NoiseSource,
  type Scheduler,
  type SchedulerName,
  type SetTimestepsOptions,
  type StepOutput,
} from './scheduler.ts';
import { ddimTimesteps } from './spacing.ts';
import { thresholdSample } from './thresholding.ts';

const f = Math.fround;
const sqrt32 = (x: number): number => f(Math.sqrt(x));

/** diffusers `DDIMScheduler.__init__` defaults. */
const DDIM_DEFAULTS = { timestepSpacing: 'leading', stepsOffset: 0, clipSample: true, setAlphaToOne: true } as const;

/** DDIM (deterministic). */
export class DdimScheduler implements Scheduler {
  readonly name: SchedulerName = 'ddim';
  readonly config: ResolvedSchedulerConfig;
  readonly initNoiseSigma = 1;
  private readonly schedule: NoiseSchedule;
  private allTimesteps: number[] = [];
  private stepCount = 0;
  private begin = 0;
  private batch = 1;

  constructor(file: SchedulerConfigFile, overrides: Partial<ResolvedSchedulerConfig> = {}) {
    this.config = { ...resolveSchedulerConfig(file, DDIM_DEFAULTS), ...overrides };
    this.schedule = makeNoiseSchedule(this.config);
  }

  setTimesteps(steps: number, options: SetTimestepsOptions = {}): void {
    checkSteps(steps, this.config);
    this.allTimesteps = ddimTimesteps(this.config, steps);
    this.stepCount = steps;
    this.batch = options.batch ?? 1;
    this.begin = img2imgStartIndex(steps, options.denoise ?? 1);
  }

  get timesteps(): readonly number[] {
    return this.allTimesteps.slice(this.begin);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, i: number, sample: Float32Array, _rng?: NoiseSource): StepOutput {
    const t = this.timestepAt(i);
    const prevT = t - Math.floor(this.config.numTrainTimesteps / this.stepCount);
    const ac = this.schedule.alphasCumprod;
    const alphaPrev = prevT >= 0 ? ac[prevT]! : this.config.setAlphaToOne ? 1 : ac[0]!;
    const x0 = this.predictOriginal(modelOutput, i, sample);
    const eps = this.epsilon(modelOutput, t, sample);
    const a = sqrt32(alphaPrev);
    const b = sqrt32(f(1 - alphaPrev));
    return { prevSample: x0.map((x, k) => f(a * x) + f(b * eps[k]!)), predOriginalSample: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, i = 0): Float32Array {
    checkSameLength(original, noise, 'addNoise');
    return ddpmAddNoise(this.schedule.alphasCumprod[this.timestepAt(i)]!, original, noise);
  }

  private predictOriginal(modelOutput: Float32Array, i: number, sample: Float32Array): Float32Array {
    checkSameLength(modelOutput, sample, 'step');
    const alpha = this.schedule.alphasCumprod[this.timestepAt(i)]!;
    const sa = sqrt32(alpha);
    const sb = sqrt32(f(1 - alpha));
    const x0 =
      this.config.predictionType === 'epsilon'
        ? sample.map((x, k) => f(x - f(sb * modelOutput[k]!)) / sa)
        : sample.map((x, k) => f(sa * x) - f(sb * modelOutput[k]!));
    // diffusers step 4: threshold, else clip (scheduling_ddim.py).
    if (this.config.thresholding) return thresholdSample(x0, this.batch, this.config.dynamicThresholdingRatio, this.config.sampleMaxValue);
    if (!this.config.clipSample) return x0;
    const r = this.config.clipSampleRange;
    return x0.map((x) => Math.min(r, Math.max(-r, x)));
  }

  private epsilon(modelOutput: Float32Array, t: number, sample: Float32Array): Float32Array {
    if (this.config.predictionType === 'epsilon') return modelOutput;
    const alpha = this.schedule.alphasCumprod[t]!;
    const sa = sqrt32(alpha);
    const sb = sqrt32(f(1 - alpha));
    return modelOutput.map((v, k) => f(sa * v) + f(sb * sample[k]!));
  }

  private timestepAt(i: number): number {
    const t = this.allTimesteps[this.begin + i];
    if (t === undefined || i < 0) throw new RangeError(`step ${i} is outside the schedule (call setTimesteps first)`);
    return t;
  }
}

/** DDPM forward noising `sqrt(ᾱ)·x + sqrt(1-ᾱ)·ε` in float32 (diffusers DDIM/LCM `add_noise`). */
export function ddpmAddNoise(alphaCumprod: number, original: Float32Array, noise: Float32Array): Float32Array {
  const sa = sqrt32(alphaCumprod);
  const sb = sqrt32(f(1 - alphaCumprod));
  return original.map((x, k) => f(sa * x) + f(sb * noise[k]!));
}
