/**
 * DPM++ 2M and DPM++ 2M Karras (diffusers `DPMSolverMultistepScheduler` with `algorithm_type="dpmsolver++"`,
 * `solver_order=2`, `solver_type="midpoint"`, `lower_order_final=True`; `scheduling_dpmsolver_multistep.py`):
 * - timesteps: n+1-point spacing with the last dropped (l.413-437); Karras: σ from σ_max = σ(999) to
 *   σ_min = σ(0) of the training table, timesteps = round(σ→t) (l.444-449);
 * - `α_t = 1/sqrt(σ²+1)`, `σ_t = σ·α_t`, `λ = ln α_t - ln σ_t` (l.580-599);
 * - the model output becomes `x0 = (x - σ_t·ε)/α_t` (l.789-795);
 * - 1st order: `x' = (σ_t/σ_s)·x - α_t(e^{-h} - 1)·x0` (l.897-904);
 * - 2nd order midpoint with the previous x0: `r0 = h_0/h`, `D1 = (m0 - m1)/r0`,
 *   `x' = (σ_t/σ_s0)·x - α_t(e^{-h}-1)·m0 - ½α_t(e^{-h}-1)·D1` (l.976-991);
 * - the first step is first order, and so is the last (final σ = 0, or fewer than 15 steps) (l.1239-1270);
 *   `solver_order: 1` makes every step first order; `solver_order: 3` (DPM++ 3M) uses the third-order update
 *   with the two previous x0 once it has them (`multistep_dpm_solver_third_order_update`), second order on the
 *   step before the last when there are fewer than 15;
 * - `algorithm_type: "sde-dpmsolver++"`: the same orders in their SDE form, with fresh noise from the
 *   sampler's generator every step (dpm-updates.ts);
 * - `use_lu_lambdas`: log σ evenly spaced from log σ_max to log σ_min (Lu et al. 2022, `_convert_to_lu`),
 *   timesteps rounded from σ like Karras; Karras wins when both are set, as in diffusers' `set_timesteps`.
 * No input scaling, `init_noise_sigma = 1`. Scalars are float32 0-d tensors in diffusers, so float32 here.
 */
import { LoomError } from '@loom/engine';
import { resolveSchedulerConfig, type ResolvedSchedulerConfig, type SchedulerConfigFile } from './config.ts';
import { makeNoiseSchedule, type NoiseSchedule } from './noise-schedule.ts';
import { interpAtIndex, npLinspace, roundHalfEven } from './numpy-compat.ts';
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
import { dpmTimesteps, karrasSigmas, logSigmasF32, sigmaToT } from './spacing.ts';
import { thresholdSample } from './thresholding.ts';
import { firstOrderUpdate, secondOrderUpdate, thirdOrderUpdate, type AlphaSigma, type DpmUpdate } from './dpm-updates.ts';

const f = Math.fround;

/** diffusers `DPMSolverMultistepScheduler.__init__` defaults. */
const DPM_DEFAULTS = { timestepSpacing: 'linspace', stepsOffset: 0, lowerOrderFinal: true } as const;

/** Lu et al.'s schedule: λ = log σ from the table's largest to smallest, `steps` points, linear (ρ = 1). */
function luSigmas(logSigmas: Float64Array, steps: number): number[] {
  const max = logSigmas[logSigmas.length - 1]!;
  const min = logSigmas[0]!;
  return npLinspace(0, 1, steps).map((ramp) => Math.exp(max + ramp * (min - max)));
}

/** DPMSolverMultistep, order 1–3 (2 by default), midpoint; `karras` selects "DPM++ 2M Karras". */
export class DpmSolverMultistepScheduler implements Scheduler {
  readonly name: SchedulerName;
  readonly config: ResolvedSchedulerConfig;
  readonly initNoiseSigma = 1;
  private readonly schedule: NoiseSchedule;
  private allTimesteps: number[] = [];
  private sigmas: number[] = [];
  private begin = 0;
  /** The x0 predictions of the last two steps, oldest first (the multistep history). */
  private previousX0: Float32Array[] = [];
  private lowerOrderNums = 0;
  private nextStep = 0;
  private batch = 1;

  constructor(file: SchedulerConfigFile, karras: boolean, overrides: Partial<ResolvedSchedulerConfig> = {}) {
    this.name = karras ? 'dpmpp_2m_karras' : 'dpmpp_2m';
    this.config = { ...resolveSchedulerConfig(file, DPM_DEFAULTS), ...overrides, useKarrasSigmas: karras };
    this.schedule = makeNoiseSchedule(this.config, { finiteTerminalSigma: true });
  }

  setTimesteps(steps: number, options: SetTimestepsOptions = {}): void {
    checkSteps(steps, this.config);
    const table = this.schedule.sigmas;
    let timesteps: number[];
    let sigmas: number[];
    if (this.config.useKarrasSigmas || this.config.useLuLambdas) {
      const logSigmas = logSigmasF32(table);
      sigmas = this.config.useKarrasSigmas ? karrasSigmas(table[0]!, table[table.length - 1]!, steps) : luSigmas(logSigmas, steps);
      timesteps = sigmas.map((s) => roundHalfEven(sigmaToT(s, logSigmas)));
    } else {
      timesteps = dpmTimesteps(this.config, steps);
      sigmas = timesteps.map((t) => interpAtIndex(t, table));
    }
    const last = this.config.finalSigmasType === 'sigma_min' ? table[0]! : 0;
    this.allTimesteps = timesteps;
    this.sigmas = [...sigmas, last].map(f);
    this.begin = img2imgStartIndex(steps, options.denoise ?? 1);
    this.previousX0 = [];
    this.lowerOrderNums = 0;
    this.nextStep = 0;
    this.batch = options.batch ?? 1;
  }

  get timesteps(): readonly number[] {
    return this.allTimesteps.slice(this.begin);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, i: number, sample: Float32Array, rng?: NoiseSource): StepOutput {
    if (i !== this.nextStep) throw new LoomError('NODE_FAILED', `DPM++ steps must run in order: expected step ${this.nextStep}, got ${i}`);
    const index = this.begin + i;
    const x0 = this.predictOriginal(modelOutput, i, sample);
    const isLast = index === this.allTimesteps.length - 1;
    const lowerOrderFinal = isLast && ((this.config.lowerOrderFinal && this.allTimesteps.length < 15) || this.config.finalSigmasType === 'zero');
    const n = this.allTimesteps.length;
    const lowerOrderSecond = index === n - 2 && this.config.lowerOrderFinal && n < 15;
    const m1 = this.previousX0.at(-1);
    const m2 = this.previousX0.at(-2);
    // diffusers draws the SDE's noise every step, before choosing the order.
    let noise: Float32Array | undefined;
    if (this.config.algorithmType === 'sde-dpmsolver++') {
      if (!rng) throw new LoomError('NODE_FAILED', 'sde-dpmsolver++ needs a noise source (the seeded generator) for every step');
      noise = rng.randnLike(sample);
    }
    const update = (order: number): DpmUpdate => ({
      t: this.alphaSigma(index + 1),
      s: Array.from({ length: order }, (_, j) => this.alphaSigma(index - j)),
      sample,
      m: [x0, m1, m2].slice(0, order).filter((m): m is Float32Array => m !== undefined),
      ...(noise && { noise }),
    });
    let out: Float32Array;
    if (this.config.solverOrder === 1 || this.lowerOrderNums < 1 || lowerOrderFinal || !m1) out = firstOrderUpdate(update(1));
    else if (this.config.solverOrder === 2 || this.lowerOrderNums < 2 || lowerOrderSecond || !m2) out = secondOrderUpdate(update(2));
    else out = thirdOrderUpdate(update(3));
    this.previousX0 = [m1, x0].filter((m): m is Float32Array => m !== undefined);
    this.lowerOrderNums = Math.min(this.lowerOrderNums + 1, this.config.solverOrder);
    this.nextStep = i + 1;
    return { prevSample: out, predOriginalSample: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, i = 0): Float32Array {
    checkSameLength(original, noise, 'addNoise');
    const { alpha, sigma } = this.alphaSigma(this.begin + i);
    return original.map((x, k) => f(alpha * x) + f(sigma * noise[k]!));
  }

  private predictOriginal(modelOutput: Float32Array, i: number, sample: Float32Array): Float32Array {
    checkSameLength(modelOutput, sample, 'step');
    const { alpha, sigma } = this.alphaSigma(this.begin + i);
    const x0 =
      this.config.predictionType === 'epsilon'
        ? sample.map((x, k) => f(x - f(sigma * modelOutput[k]!)) / alpha)
        : sample.map((x, k) => f(alpha * x) - f(sigma * modelOutput[k]!));
    // `convert_model_output` thresholds the dpmsolver++ x0 prediction.
    return this.config.thresholding ? thresholdSample(x0, this.batch, this.config.dynamicThresholdingRatio, this.config.sampleMaxValue) : x0;
  }

  /** `_sigma_to_alpha_sigma_t` and λ for the schedule's sigma at absolute index `index`. */
  private alphaSigma(index: number): AlphaSigma {
    const s = this.sigmas[index];
    if (s === undefined || index < 0) throw new RangeError(`step ${index - this.begin} is outside the schedule (call setTimesteps first)`);
    const alpha = f(1 / f(Math.sqrt(f(f(s * s) + 1))));
    const sigma = f(s * alpha);
    return { alpha, sigma, lambda: f(f(Math.log(alpha)) - f(Math.log(sigma))) };
  }
}
