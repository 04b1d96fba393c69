/**
 * `scheduler/scheduler_config.json` as diffusers reads it. Every key is optional: diffusers'
 * `SomeScheduler.from_config(other_config)` keeps the keys present in the file and takes the CLASS defaults
 * of the scheduler being built for the rest. So the same SD1.4 PNDM config that has no `timestep_spacing`
 * gives "linspace" to Euler but "leading" to DDIM, and DDIM gets `clip_sample: true` by default.
 * Which keys each scheduler honours, drops or refuses is decided in config-keys.ts; keys a file lists in
 * `_use_default_values` (written by diffusers for values it did not set) are dropped, as diffusers does.
 */
import { z } from 'zod';
import { LoomError } from '@loom/engine';
import { schedulerKeys } from './config-keys.ts';
import type { SchedulerName } from './scheduler.ts';

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
  rescale_betas_zero_snr: z.boolean().optional(),
  sigma_min: z.number().positive().nullish(),
  sigma_max: z.number().positive().nullish(),
  use_lu_lambdas: z.boolean().optional(),
  solver_order: z.number().int().positive().optional(),
  algorithm_type: z.enum(['dpmsolver++', 'sde-dpmsolver++']).optional(),
  thresholding: z.boolean().optional(),
  dynamic_thresholding_ratio: z.number().gt(0).lt(1).optional(),
  sample_max_value: z.number().positive().optional(),
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
  /** Rescale betas to zero terminal SNR (Lin et al. 2023, arXiv:2305.08891 Algorithm 1). */
  rescaleBetasZeroSnr: boolean;
  /** Euler's Karras sigma range overrides (null: the training table's ends). */
  sigmaMin: number | null;
  sigmaMax: number | null;
  /** DPM-Solver: λ (log σ) uniformly spaced, Lu et al. 2022. */
  useLuLambdas: boolean;
  /** DPM-Solver order; config-keys.ts admits 1 and 2. */
  solverOrder: number;
  /** DPM-Solver++: the ODE solver, or its SDE variant that adds fresh noise every step. */
  algorithmType: 'dpmsolver++' | 'sde-dpmsolver++';
  /** Dynamic thresholding of x0 (DDIM, DPM-Solver, LCM), per image. */
  thresholding: boolean;
  dynamicThresholdingRatio: number;
  sampleMaxValue: number;
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
  rescaleBetasZeroSnr: false,
  sigmaMin: null,
  sigmaMax: null,
  useLuLambdas: false,
  solverOrder: 2,
  algorithmType: 'dpmsolver++',
  thresholding: false,
  dynamicThresholdingRatio: 0.995,
  sampleMaxValue: 1,
};

/**
 * Parse a scheduler_config.json value for `scheduler` (every key checked against its table when given);
 * throws a one-line UNSUPPORTED_MODEL error naming the bad key.
 */
export function parseSchedulerConfig(json: unknown, scheduler?: SchedulerName): SchedulerConfigFile {
  const raw = z.record(z.string(), z.unknown()).safeParse(json);
  if (!raw.success) throw new LoomError('UNSUPPORTED_MODEL', 'A scheduler config must be a JSON object of keys and values.');
  const defaulted = new Set(Array.isArray(raw.data._use_default_values) ? raw.data._use_default_values : []);
  const given = Object.fromEntries(Object.entries(raw.data).filter(([key]) => key !== '_use_default_values' && !defaulted.has(key)));
  const file = scheduler === undefined ? given : schedulerKeys(scheduler, given);
  const parsed = schedulerConfigSchema.safeParse(file);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue?.path.join('.') ?? '';
  throw new LoomError(
    'UNSUPPORTED_MODEL',
    `Scheduler config key ${key}: ${JSON.stringify(file[key])} is not supported${scheduler ? ` by the ${scheduler} scheduler` : ''} (${issue?.message ?? 'invalid'}).`,
  );
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
    rescaleBetasZeroSnr: file.rescale_betas_zero_snr ?? d.rescaleBetasZeroSnr,
    sigmaMin: file.sigma_min ?? d.sigmaMin,
    sigmaMax: file.sigma_max ?? d.sigmaMax,
    useLuLambdas: file.use_lu_lambdas ?? d.useLuLambdas,
    solverOrder: file.solver_order ?? d.solverOrder,
    algorithmType: file.algorithm_type ?? d.algorithmType,
    thresholding: file.thresholding ?? d.thresholding,
    dynamicThresholdingRatio: file.dynamic_thresholding_ratio ?? d.dynamicThresholdingRatio,
    sampleMaxValue: file.sample_max_value ?? d.sampleMaxValue,
  };
}
