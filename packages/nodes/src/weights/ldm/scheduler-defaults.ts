/**
 * Scheduler configs for single files, which carry none: the ones the official pipelines ship
 * (SD1.5: PNDM, SDXL base: EulerDiscrete with leading spacing), as diffusers' `from_single_file`
 * falls back to them. Values as in the reference `scheduler_config.json` files.
 */
import type { Family } from './diffusers-configs.ts';

const COMMON = {
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  prediction_type: 'epsilon',
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  timestep_spacing: 'leading',
  trained_betas: null,
};

/** The default scheduler_config.json object of `family`. */
export function schedulerConfig(family: Family): Record<string, unknown> {
  if (family === 'sdxl') {
    return { _class_name: 'EulerDiscreteScheduler', ...COMMON, interpolation_type: 'linear', sample_max_value: 1, use_karras_sigmas: false };
  }
  return { _class_name: 'PNDMScheduler', ...COMMON };
}
