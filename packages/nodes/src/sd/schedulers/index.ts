/** diffusers-exact schedulers (Euler, Euler ancestral, DDIM, DPM++ 2M (Karras), LCM) on flat float32 tensors. */
export {
  img2imgStartIndex,
  timestepForInt64Input,
  SAMPLERS,
  SCHEDULER_NAMES,
  type NoiseSource,
  type Sampler,
  type Scheduler,
  type SchedulerName,
  type SetTimestepsOptions,
  type StepOutput,
} from './scheduler.ts';
export { createScheduler, readSchedulerConfig } from './create-scheduler.ts';
export { parseSchedulerConfig, resolveSchedulerConfig, schedulerConfigSchema, type ResolvedSchedulerConfig, type SchedulerConfigFile } from './config.ts';
export { makeNoiseSchedule, type NoiseSchedule } from './noise-schedule.ts';
export { EulerScheduler } from './euler.ts';
export { EulerAncestralScheduler } from './euler-ancestral.ts';
export { DdimScheduler } from './ddim.ts';
export { DpmSolverMultistepScheduler } from './dpm-solver-multistep.ts';
export { LcmScheduler } from './lcm.ts';
