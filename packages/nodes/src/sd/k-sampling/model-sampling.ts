/**
 * The model's discrete noise levels as ComfyUI computes them (comfy/model_sampling.py `ModelSamplingDiscrete`,
 * `EPS`, `V_PREDICTION`): 1000 betas, `alphas_cumprod`, `σ_t = sqrt((1 − ᾱ_t) / ᾱ_t)` in float64, stored as
 * float32 along with their logs. σ → timestep is the NEAREST table index in log σ (what the UNet is fed);
 * timestep → σ interpolates log σ linearly between the two neighbouring entries (the `normal` scheduler).
 * Both run in float32 with torch's own exp/log (rng/sleef-f32.ts), like ComfyUI's tensors.
 */
import { z } from 'zod';
import { LoomError } from '@loom/engine';
import { expSleefF32, logSleefF32 } from '../rng/index.ts';

const f = Math.fround;

/** The diffusers `scheduler_config.json` keys that fix the table (defaults: SD1.x / SDXL). */
const TableConfigSchema = z.looseObject({
  num_train_timesteps: z.int().positive().default(1000),
  beta_start: z.number().positive().default(0.00085),
  beta_end: z.number().positive().default(0.012),
  beta_schedule: z.string().default('scaled_linear'),
  prediction_type: z.string().default('epsilon'),
});

/** What the UNet predicts: noise (`EPS`) or velocity (`V_PREDICTION`). */
export type Prediction = 'epsilon' | 'v_prediction';

export class ModelSampling {
  /** σ for timesteps 0…N−1, float32, increasing. */
  readonly sigmas: Float32Array;
  readonly logSigmas: Float32Array;

  constructor(
    betas: Float64Array,
    readonly prediction: Prediction,
  ) {
    const n = betas.length;
    this.sigmas = new Float32Array(n);
    this.logSigmas = new Float32Array(n);
    let cumprod = 1;
    for (let i = 0; i < n; i++) {
      cumprod *= 1 - (betas[i] as number);
      const sigma = Math.sqrt((1 - cumprod) / cumprod);
      this.sigmas[i] = sigma;
      this.logSigmas[i] = Math.log(sigma);
    }
  }

  /**
   * The table a diffusers scheduler config describes. diffusers' `scaled_linear` is LDM's (and ComfyUI's)
   * `linear`: betas linear in sqrt space; diffusers' `linear` is LDM's `sqrt_linear`: betas linear.
   */
  static fromSchedulerConfig(config: Record<string, unknown>): ModelSampling {
    const c = TableConfigSchema.parse(config);
    const n = c.num_train_timesteps;
    const betas = new Float64Array(n);
    const lerp = (a: number, b: number, i: number): number => (n === 1 ? a : a + ((b - a) * i) / (n - 1));
    if (c.beta_schedule === 'scaled_linear') for (let i = 0; i < n; i++) betas[i] = lerp(Math.sqrt(c.beta_start), Math.sqrt(c.beta_end), i) ** 2;
    else if (c.beta_schedule === 'linear') for (let i = 0; i < n; i++) betas[i] = lerp(c.beta_start, c.beta_end, i);
    else
      throw new LoomError(
        'UNSUPPORTED_MODEL',
        `scheduler_config.json has beta_schedule "${c.beta_schedule}"; the ComfyUI samplers support "scaled_linear" and "linear".`,
      );
    if (c.prediction_type !== 'epsilon' && c.prediction_type !== 'v_prediction') {
      throw new LoomError(
        'UNSUPPORTED_MODEL',
        `scheduler_config.json has prediction_type "${c.prediction_type}"; the ComfyUI samplers support "epsilon" and "v_prediction".`,
      );
    }
    return new ModelSampling(betas, c.prediction_type);
  }

  get sigmaMin(): number {
    return this.sigmas[0] as number;
  }

  get sigmaMax(): number {
    return this.sigmas[this.sigmas.length - 1] as number;
  }

  /** The integer timestep whose log σ is nearest (`ModelSamplingDiscrete.timestep`, an argmin: first wins ties). */
  timestep(sigma: number): number {
    const logSigma = logSleefF32(sigma);
    let best = 0;
    let bestDistance = Infinity;
    for (let i = 0; i < this.logSigmas.length; i++) {
      const distance = Math.abs(f(logSigma - (this.logSigmas[i] as number)));
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** σ at a fractional timestep by log-linear interpolation (`ModelSamplingDiscrete.sigma`), float32. */
  sigma(timestep: number): number {
    const t = Math.min(Math.max(f(timestep), 0), this.sigmas.length - 1);
    const lo = Math.floor(t);
    const w = f(t - lo);
    const logSigma = f(f(f(1 - w) * (this.logSigmas[lo] as number)) + f(w * (this.logSigmas[Math.ceil(t)] as number)));
    return expSleefF32(logSigma);
  }

  /**
   * σ at a fraction of the schedule, 0 = the start (`ModelSamplingDiscrete.percent_to_sigma`): the table's σ at
   * timestep (1 − percent)·999; 0 maps above every σ and 1 to 0, so those ends never exclude a step.
   */
  percentToSigma(percent: number): number {
    if (percent <= 0) return 999999999.9;
    if (percent >= 1) return 0;
    // ComfyUI hard-codes 999 (1000 − 1) whatever the table's length.
    return this.sigma((1 - percent) * 999);
  }
}
