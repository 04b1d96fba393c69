/**
 * What each scheduler does with each `scheduler_config.json` key, decided key by key so nothing is
 * ignored by accident. diffusers' `XScheduler.from_config(config)` passes the keys of X's `__init__` and
 * drops the rest (a PNDM config's `skip_prk_steps` under Euler). So for each of our schedulers:
 * - a key of its diffusers class is either implemented (`read`) or accepted only at the value that
 *   changes nothing (`only`), and any other value is refused with one line naming key and scheduler;
 * - a key of another diffusers scheduler class is dropped, as `from_config` drops it;
 * - `_class_name`, `_diffusers_version` are metadata; `_use_default_values` is applied by the parser;
 * - any other key is refused (most likely a typo, which diffusers would only warn about).
 * Key lists: the `__init__` signatures in diffusers `src/diffusers/schedulers/scheduling_*.py`.
 */
import { LoomError } from '@loom/engine';
import type { SchedulerName } from './scheduler.ts';

type Rule = 'read' | { only: readonly unknown[]; why: string };

const THRESHOLDING = { thresholding: 'read', dynamic_thresholding_ratio: 'read', sample_max_value: 'read' } as const;
const BASE = {
  num_train_timesteps: 'read',
  beta_start: 'read',
  beta_end: 'read',
  beta_schedule: 'read',
  trained_betas: 'read',
  prediction_type: 'read',
  timestep_spacing: 'read',
  steps_offset: 'read',
  rescale_betas_zero_snr: 'read',
} as const;
const NOT_LOOM = (what: string): Rule => ({ only: [false, null], why: `Loom does not implement ${what}` });

const EULER: Record<string, Rule> = {
  ...BASE,
  interpolation_type: { only: ['linear'], why: 'Loom interpolates sigmas linearly' },
  use_karras_sigmas: 'read',
  use_exponential_sigmas: NOT_LOOM('exponential sigmas'),
  use_beta_sigmas: NOT_LOOM('beta sigmas'),
  sigma_min: 'read',
  sigma_max: 'read',
  timestep_type: { only: ['discrete'], why: 'Loom implements discrete timesteps' },
  final_sigmas_type: 'read',
};

/** The keys of each scheduler's diffusers class and what Loom does with them. */
const SCHEDULER_KEYS: Record<SchedulerName, Record<string, Rule>> = {
  euler: EULER,
  euler_ancestral: { ...BASE },
  ddim: { ...BASE, clip_sample: 'read', set_alpha_to_one: 'read', clip_sample_range: 'read', ...THRESHOLDING },
  dpmpp_2m: dpmKeys(),
  dpmpp_2m_karras: dpmKeys(),
  lcm: {
    ...BASE,
    original_inference_steps: 'read',
    clip_sample: 'read',
    clip_sample_range: 'read',
    set_alpha_to_one: 'read',
    timestep_scaling: 'read',
    ...THRESHOLDING,
  },
};

function dpmKeys(): Record<string, Rule> {
  return {
    ...BASE,
    solver_order: { only: [1, 2, 3], why: 'DPM-Solver has orders 1, 2 and 3' },
    ...THRESHOLDING,
    algorithm_type: {
      only: ['dpmsolver++', 'sde-dpmsolver++'],
      why: 'Loom implements DPM-Solver++ (the data-prediction solvers); the deprecated noise-prediction dpmsolver and sde-dpmsolver are not',
    },
    solver_type: { only: ['midpoint'], why: 'Loom implements the midpoint second-order update' },
    lower_order_final: 'read',
    euler_at_final: NOT_LOOM('euler_at_final'),
    // The sampler's name decides (dpmpp_2m or dpmpp_2m_karras), as ComfyUI's scheduler choice does.
    use_karras_sigmas: 'read',
    use_exponential_sigmas: NOT_LOOM('exponential sigmas'),
    use_beta_sigmas: NOT_LOOM('beta sigmas'),
    use_lu_lambdas: 'read',
    use_flow_sigmas: NOT_LOOM('flow-matching sigmas'),
    flow_shift: 'read', // used only with use_flow_sigmas, refused above
    final_sigmas_type: 'read',
    lambda_min_clipped: { only: [null, '-inf', '-Infinity'], why: 'Loom does not clip λ (the cosine-schedule option)' },
    variance_type: { only: [null], why: 'Loom does not implement learned variances' },
    use_dynamic_shifting: NOT_LOOM('dynamic shifting'),
    time_shift_type: 'read', // used only with use_dynamic_shifting, refused above
  };
}

const METADATA = new Set(['_class_name', '_diffusers_version']);

/** `__init__` keys of diffusers' scheduler classes (ours among them): dropped by a class that lacks them. */
const DIFFUSERS_KEYS = new Set([
  ...Object.values(SCHEDULER_KEYS).flatMap((rules) => Object.keys(rules)),
  ...(
    'alpha_cum_end alpha_cum_start base_image_seq_len base_shift block_length clip_denoised clip_sample clip_sample_range correct_steps ' +
    'corrector_k corrector_order corrector_selection corrector_selection_tau corrector_steps disable_corrector dynamic_thresholding_ratio ' +
    'editing_threshold eta euler_at_final final_sigmas_type flow_shift gamma gamma_cum_end gamma_cum_start interpolation_type ' +
    'invert_sigmas lambda_min_clipped lower_order_final mask_token_id masking_schedule max_image_seq_len max_shift minimal_topk ' +
    'num_inference_steps num_vec_classes original_inference_steps predict_x0 predictor_order rho s_noise sample_max_value sampling_eps ' +
    'scale_factors scaler scheduler_type set_alpha_to_one shift shift_terminal sigma_data sigma_max sigma_min sigma_schedule ' +
    'skip_prk_steps snr snr_shift_scale solver_order solver_p solver_type stage_range stages stochastic_sampling t0 t1 tau_func ' +
    'threshold thresholding time_shift_type timestep_scaling timestep_type upscale_mode use_beta_sigmas use_dynamic_shifting ' +
    'use_exponential_sigmas use_flow_sigmas use_karras_sigmas use_lu_lambdas variance_type'
  ).split(' '),
]);

/**
 * The keys of `file` that `scheduler` honours, other classes' keys and metadata dropped; throws a
 * one-line UNSUPPORTED_MODEL error for the first key it cannot honour. `file` is the raw config (after
 * `_use_default_values` was applied).
 */
export function schedulerKeys(scheduler: SchedulerName, file: Record<string, unknown>): Record<string, unknown> {
  const rules = SCHEDULER_KEYS[scheduler];
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file)) {
    const rule = rules[key];
    if (rule === undefined) {
      if (METADATA.has(key) || DIFFUSERS_KEYS.has(key)) continue;
      throw new LoomError(
        'UNSUPPORTED_MODEL',
        `Scheduler config key "${key}" is unknown to the ${scheduler} scheduler (and to diffusers' schedulers); remove it or fix its spelling.`,
      );
    }
    if (rule !== 'read' && !rule.only.includes(value)) {
      throw new LoomError(
        'UNSUPPORTED_MODEL',
        `Scheduler config key ${key}: ${JSON.stringify(value)} is not supported by the ${scheduler} scheduler (${rule.why}); remove the key or set it to ${JSON.stringify(rule.only[0])}.`,
      );
    }
    kept[key] = value;
  }
  return kept;
}
