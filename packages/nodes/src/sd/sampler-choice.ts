/**
 * ComfyUI's two sampler settings (`sampler_name`, `scheduler`) → one of our diffusers-faithful schedulers.
 * "normal" keeps the model's own sigma schedule (its scheduler_config.json); "karras" forces Karras sigmas
 * (Karras et al. 2022, ρ = 7), which diffusers offers for Euler and DPM++ 2M.
 */
import { LoomError } from '@loom/engine';
import type { Sampler, SchedulerName } from './schedulers/index.ts';

/** UNetSampler's sigma schedules: the model's own, or Karras sigmas. */
export const SCHEDULES = ['normal', 'karras'] as const;
export type Schedule = (typeof SCHEDULES)[number];

export interface SchedulerChoice {
  name: SchedulerName;
  configOverrides: Record<string, unknown>;
}

export function resolveScheduler(sampler: Sampler, schedule: Schedule): SchedulerChoice {
  if (schedule === 'normal') return { name: sampler, configOverrides: {} };
  if (sampler === 'dpmpp_2m') return { name: 'dpmpp_2m_karras', configOverrides: {} };
  if (sampler === 'euler') return { name: 'euler', configOverrides: { use_karras_sigmas: true } };
  throw new LoomError('PARAM_INVALID', `Karras sigmas apply to the euler and dpmpp_2m samplers, not ${sampler}; use schedule "normal".`, { input: 'schedule' });
}
