/** ComfyUI / k-diffusion sampling: σ tables, schedulers, samplers, noise and the KSampler run. */
export { ModelSampling, type Prediction } from './model-sampling.ts';
export { SCHEDULER_NAMES, schedulerSigmas, type SchedulerName } from './schedulers.ts';
export { ksamplerSigmas, calculateSigmas, type StepRange } from './sigmas.ts';
export { discreteDenoiser, inpaintDenoiser, type Denoiser, type ModelPrediction } from './denoiser.ts';
export { K_SAMPLERS, K_SAMPLER_NAMES, type KSamplerName } from './samplers/index.ts';
export { kSample, type KSampleOptions } from './ksample.ts';
