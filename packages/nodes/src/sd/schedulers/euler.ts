/**
 * Euler (diffusers `EulerDiscreteScheduler`, `scheduling_euler_discrete.py`): sigmas interpolated at the
 * spaced timesteps (l.433-450), optional Karras sigmas with fractional timesteps (l.452-455), a final 0;
 * input scaling `x / sqrt(σ²+1)` (l.326-347); epsilon step `x0 = x - σ·ε`, `d = (x - x0)/σ`,
 * `x' = x + d·(σ_next - σ)` with `s_churn = 0` (l.755-790). `sigma_min`/`sigma_max` bound the Karras sigmas
 * only, as there; zero terminal SNR sets the last ᾱ to 2⁻²⁴ (see noise-schedule.ts). All element math is float32, op by op, like the
 * torch tensors diffusers uses; the schedule is built in float64 and stored as float32 as there.
 */
import { resolveSchedulerConfig, type ResolvedSchedulerConfig, type SchedulerConfigFile } from './config.ts';
import { makeNoiseSchedule, type NoiseSchedule } from './noise-schedule.ts';
import { interpAtIndex } from './numpy-compat.ts';
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
import { eulerTimesteps, karrasSigmas, logSigmasF32, sigmaToT } from './spacing.ts';

const f = Math.fround;

/** diffusers `EulerDiscreteScheduler.__init__` defaults. */
const EULER_DEFAULTS = { timestepSpacing: 'linspace', stepsOffset: 0 } as const;

/** EulerDiscrete; also the base of Euler ancestral (same sigmas, different step). */
export class EulerScheduler implements Scheduler {
  readonly name: SchedulerName = 'euler';
  readonly config: ResolvedSchedulerConfig;
  protected readonly schedule: NoiseSchedule;
  /** Full schedule: timesteps[k] and sigmas[k] (sigmas has one more, the final sigma). */
  protected allTimesteps: number[] = [];
  protected sigmas: number[] = [];
  protected begin = 0;

  constructor(file: SchedulerConfigFile, overrides: Partial<ResolvedSchedulerConfig> = {}) {
    this.config = { ...resolveSchedulerConfig(file, EULER_DEFAULTS), ...overrides };
    this.schedule = makeNoiseSchedule(this.config, { finiteTerminalSigma: true });
  }

  setTimesteps(steps: number, options: SetTimestepsOptions = {}): void {
    checkSteps(steps, this.config);
    const table = this.schedule.sigmas;
    let timesteps = eulerTimesteps(this.config, steps);
    let sigmas = timesteps.map((t) => interpAtIndex(t, table));
    if (this.config.useKarrasSigmas) {
      // `sigma_min` / `sigma_max` replace the ends when set (`_convert_to_karras`).
      sigmas = karrasSigmas(this.config.sigmaMin ?? sigmas[sigmas.length - 1]!, this.config.sigmaMax ?? sigmas[0]!, steps);
      const logSigmas = logSigmasF32(table);
      timesteps = sigmas.map((s) => f(sigmaToT(s, logSigmas)));
    }
    const last = this.config.finalSigmasType === 'sigma_min' ? table[0]! : 0;
    this.allTimesteps = timesteps;
    this.sigmas = [...sigmas, last].map(f);
    this.begin = img2imgStartIndex(steps, options.denoise ?? 1);
  }

  get timesteps(): readonly number[] {
    return this.allTimesteps.slice(this.begin);
  }

  get initNoiseSigma(): number {
    const max = Math.max(...this.sigmas);
    return this.config.timestepSpacing === 'leading' ? f(Math.sqrt(f(f(max * max) + 1))) : max;
  }

  scaleModelInput(sample: Float32Array, i: number): Float32Array {
    const sigma = this.sigmaAt(i);
    const denom = f(Math.sqrt(f(f(sigma * sigma) + 1)));
    return sample.map((x) => x / denom);
  }

  step(modelOutput: Float32Array, i: number, sample: Float32Array, _rng?: NoiseSource): StepOutput {
    const x0 = this.predictOriginal(modelOutput, i, sample);
    const sigma = this.sigmaAt(i);
    const dt = f(this.sigmaAt(i + 1) - sigma);
    return { prevSample: sample.map((x, k) => x + f(f(f(x - x0[k]!) / sigma) * dt)), predOriginalSample: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, i = 0): Float32Array {
    checkSameLength(original, noise, 'addNoise');
    const sigma = this.sigmaAt(i);
    return original.map((x, k) => x + f(noise[k]! * sigma));
  }

  protected predictOriginal(modelOutput: Float32Array, i: number, sample: Float32Array): Float32Array {
    checkSameLength(modelOutput, sample, 'step');
    const sigma = this.sigmaAt(i);
    if (this.config.predictionType === 'epsilon') return sample.map((x, k) => x - f(sigma * modelOutput[k]!));
    // v-prediction: x0 = v·(-σ/sqrt(σ²+1)) + x/(σ²+1)  (euler l.770-772)
    const s2p1 = f(f(sigma * sigma) + 1);
    const cOut = f(-sigma / f(Math.sqrt(s2p1)));
    return sample.map((x, k) => f(modelOutput[k]! * cOut) + f(x / s2p1));
  }

  /** σ of active step i (i may be one past the last step: the final sigma). */
  protected sigmaAt(i: number): number {
    const sigma = this.sigmas[this.begin + i];
    if (sigma === undefined || i < 0) throw new RangeError(`step ${i} is outside the schedule (call setTimesteps first)`);
    return sigma;
  }
}
