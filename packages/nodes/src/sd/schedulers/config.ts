/**
 * `scheduler/scheduler_config.json` as diffusers reads it. Every key is optional: diffusers'
 * `SomeScheduler.from_config(other_config)` keeps the keys present in the file and takes the CLASS defaults
 * of the scheduler being built for the rest. So the same SD1.4 PNDM config that has no `timestep_spacing`
 * gives "linspace" to Euler but "leading" to DDIM, and DDIM gets `clip_sample: true` by default.
 * Unknown keys (`_class_name`, `skip_prk_steps`, …) are allowed and ignored.
 */
import { z } from 'zod';

/** The keys we read, all optional (see module doc). */
export const schedulerConfigSchema = z.looseObject({
  num_train_timesteps: z.number().int().positive().optional(),
  beta_start: z.number().positive().optional(),
  beta_end: z.number().positive().optional(),
  beta_schedule: z.enum(['linear', 'scaled_linear', 'squaredcos_cap_v2']).optional(),
  trained_betas: z.array(z.number()).nullish(),
  prediction_type: z.enum(['epsilon', 'v_prediction']).optional(),
  timestep_spacing: z.enum(['leading', 'trailing', 'linspace']).optional(),
  steps_offset: z.number().int().nonnegative().optional(),
  set_alpha_to_one: z.boolean().optional(),
  clip_sample: z.boolean().optional(),
  clip_sample_range: z.number().positive().optional(),
  use_karras_sigmas: z.boolean().nullish(),
  interpolation_type: z.enum(['linear']).optional(),
  final_sigmas_type: z.enum(['zero', 'sigma_min']).optional(),
  original_inference_steps: z.number().int().positive().optional(),
  timestep_scaling: z.number().positive().optional(),
  lower_order_final: z.boolean().optional(),
});

/** The parsed file (only the keys present). */
export type SchedulerConfigFile = z.infer<typeof schedulerConfigSchema>;

/** A complete configuration after a scheduler class applied its defaults. */
export interface ResolvedSchedulerConfig {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
  trainedBetas: readonly number[] | null;
  predictionType: 'epsilon' | 'v_prediction';
  timestepSpacing: 'leading' | 'trailing' | 'linspace';
  stepsOffset: number;
  setAlphaToOne: boolean;
  clipSample: boolean;
  clipSampleRange: number;
  useKarrasSigmas: boolean;
  finalSigmasType: 'zero' | 'sigma_min';
  originalInferenceSteps: number;
  timestepScaling: number;
  lowerOrderFinal: boolean;
}

/** Class defaults of one diffusers scheduler, for the keys that differ between classes. */
export type SchedulerDefaults = Partial<ResolvedSchedulerConfig>;

const BASE: ResolvedSchedulerConfig = {
  // diffusers' generic `__init__` defaults (linear 1e-4..0.02), as in EulerDiscrete/DDIM/DPMSolver.
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: 'linear',
  trainedBetas: null,
  predictionType: 'epsilon',
  timestepSpacing: 'linspace',
  stepsOffset: 0,
  setAlphaToOne: true,
  clipSample: false,
  clipSampleRange: 1,
  useKarrasSigmas: false,
  finalSigmasType: 'zero',
  originalInferenceSteps: 50,
  timestepScaling: 10,
  lowerOrderFinal: true,
};

/** Parse a scheduler_config.json value; throws a zod error naming the bad key. */
export function parseSchedulerConfig(json: unknown): SchedulerConfigFile {
  return schedulerConfigSchema.parse(json);
}

/** Merge a config file over a class's defaults (diffusers `from_config` semantics). */
export function resolveSchedulerConfig(file: SchedulerConfigFile, defaults: SchedulerDefaults): ResolvedSchedulerConfig {
  const d = { ...BASE, ...defaults };
  return {
    numTrainTimesteps: file.num_train_timesteps ?? d.numTrainTimesteps,
    betaStart: file.beta_start ?? d.betaStart,
    betaEnd: file.beta_end ?? d.betaEnd,
    betaSchedule: file.beta_schedule ?? d.betaSchedule,
    trainedBetas: file.trained_betas ?? d.trainedBetas,
    predictionType: file.prediction_type ?? d.predictionType,
    timestepSpacing: file.timestep_spacing ?? d.timestepSpacing,
    stepsOffset: file.steps_offset ?? d.stepsOffset,
    setAlphaToOne: file.set_alpha_to_one ?? d.setAlphaToOne,
    clipSample: file.clip_sample ?? d.clipSample,
    clipSampleRange: file.clip_sample_range ?? d.clipSampleRange,
    useKarrasSigmas: file.use_karras_sigmas ?? d.useKarrasSigmas,
    finalSigmasType: file.final_sigmas_type ?? d.finalSigmasType,
    originalInferenceSteps: file.original_inference_steps ?? d.originalInferenceSteps,
    timestepScaling: file.timestep_scaling ?? d.timestepScaling,
    lowerOrderFinal: file.lower_order_final ?? d.lowerOrderFinal,
  };
}
