/**
 * The denoising loop: seeded starting noise, the scheduler's steps, guidance at every step, progress
 * with an optional preview, and cancellation between steps.
 * txt2img (denoise 1) starts from `noise · init_noise_sigma` as diffusers does; img2img (denoise < 1)
 * noises the input latent to the first active timestep (diffusers img2img `prepare_latents`).
 */
import type { NodeContext, Preview } from '@loom/engine';
import type { Latent } from '../ports.ts';
import { TorchCpuGenerator } from './rng/index.ts';
import { createScheduler } from './schedulers/index.ts';
import type { SchedulerChoice } from './sampler-choice.ts';
import { predictNoise, type GuidanceInputs } from './unet.ts';
import type { ModelRunner } from './model-session.ts';

export interface SampleOptions {
  seed: number;
  steps: number;
  scheduler: SchedulerChoice;
  denoise: number;
  schedulerConfig: Record<string, unknown>;
  /** Renders a cheap preview of the current x0 estimate, if wanted. */
  preview?: (x0: Float32Array, shape: readonly number[]) => Promise<Preview>;
}

export async function sampleLatents(
  unet: ModelRunner,
  latent: Latent,
  guidance: GuidanceInputs,
  options: SampleOptions,
  ctx: NodeContext,
): Promise<Float32Array> {
  const scheduler = createScheduler(options.scheduler.name, { ...options.schedulerConfig, ...options.scheduler.configOverrides });
  scheduler.setTimesteps(options.steps, { denoise: options.denoise, batch: latent.shape[0] });
  // One generator per run: the starting noise and the ancestral/LCM noise come from the same stream, as
  // when diffusers is given a `generator`.
  const generator = new TorchCpuGenerator(options.seed);
  const noise = generator.randn(latent.shape);
  let x = options.denoise >= 1 ? noise.map((v) => v * scheduler.initNoiseSigma) : scheduler.addNoise(latent.samples, noise);
  const total = scheduler.timesteps.length;
  for (let i = 0; i < total; i++) {
    ctx.throwIfCancelled();
    const eps = await predictNoise(unet, scheduler.scaleModelInput(x, i), latent.shape, scheduler.timesteps[i] as number, guidance);
    const { prevSample, predOriginalSample } = scheduler.step(eps, i, x, generator);
    // The step's own x0 prediction is the preview: nothing is computed twice.
    const preview = options.preview ? await options.preview(predOriginalSample, latent.shape) : undefined;
    x = prevSample;
    ctx.progress(i + 1, total, preview);
  }
  return x;
}
