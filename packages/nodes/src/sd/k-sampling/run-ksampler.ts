/**
 * What KSampler and KSamplerAdvanced share (nodes.py `common_ksampler`): open the UNet, build the model's σ table
 * from its scheduler config, sample, report each step with a latent preview, and return the latent with the new
 * samples (its noise mask and batch index kept, as ComfyUI copies the latent dict).
 */
import { LoomError, type NodeContext } from '@loom/engine';
import type { NodePackConfig } from '../../pack-config.ts';
import type { Conditioning, Latent, ModelHandle } from '../../ports.ts';
import { embeddingsOf } from '../embeddings/used-embeddings.ts';
import { openModel } from '../model-session.ts';
import { latentPreview } from '../latent-preview.ts';
import { ModelSampling } from './model-sampling.ts';
import { kSample, type KSampleOptions } from './ksample.ts';
import { unetDenoiser } from './unet-denoiser.ts';

export interface KSamplerInputs {
  model: ModelHandle;
  positive: Conditioning;
  negative: Conditioning;
  latentImage: Latent;
  cfg: number;
}

/**
 * ComfyUI's multi-entry conditioning (ConditioningCombine, SetArea, SetTimestepRange: samplers.py
 * `calc_cond_batch`) is not sampled yet: refused by name rather than silently reduced to its first entry.
 */
function checkPlainConditioning(input: 'positive' | 'negative', c: Conditioning): void {
  const parts = [
    c.more && c.more.length > 0 && `${c.more.length + 1} combined entries (ConditioningCombine)`,
    c.area && 'an area (ConditioningSetArea)',
    c.strength !== undefined && c.strength !== 1 && `strength ${c.strength}`,
    c.timestepRange && (c.timestepRange[0] !== 0 || c.timestepRange[1] !== 1) && 'a timestep range (ConditioningSetTimestepRange)',
  ].filter(Boolean);
  if (parts.length > 0) {
    throw new LoomError('UNSUPPORTED_MODEL', `Input "${input}" carries ${parts.join(', ')}, which Loom's KSampler does not sample yet; use ConditioningConcat or ConditioningAverage to merge prompts into one entry.`, { input });
  }
}

export async function runKSampler(config: NodePackConfig, inputs: KSamplerInputs, options: Omit<KSampleOptions, 'onStep' | 'noiseMask' | 'batchIndex'>, ctx: NodeContext): Promise<Latent> {
  const { model, positive, negative, latentImage: latent, cfg } = inputs;
  checkPlainConditioning('positive', positive);
  checkPlainConditioning('negative', negative);
  const { pipeline } = model;
  const unet = await openModel(pipeline.unet, 'unet', model.loras, config, ctx);
  const ms = ModelSampling.fromSchedulerConfig(pipeline.schedulerConfig);
  const denoiser = unetDenoiser(ms, unet, latent.shape, { positive, negative, cfg, family: pipeline.family });
  const samples = await kSample(ms, denoiser, latent.samples, latent.shape, {
    ...options,
    ...(latent.noiseMask && { noiseMask: latent.noiseMask }),
    ...(latent.batchIndex && { batchIndex: latent.batchIndex }),
    onStep: async (step, total, denoised) => {
      ctx.throwIfCancelled();
      ctx.progress(step + 1, total, await latentPreview(denoised, latent.shape, pipeline.previewFactors));
    },
  });
  const meta = {
    ...latent.meta,
    prompt: positive.prompt,
    negativePrompt: negative.prompt,
    seed: Number(options.seed),
    steps: options.steps,
    cfg,
    sampler: options.scheduler === 'normal' ? options.sampler : `${options.sampler}_${options.scheduler}`,
    ...(options.denoise !== undefined && { denoise: options.denoise }),
    model: pipeline.name,
    loras: model.loras,
    embeddings: embeddingsOf(positive, negative),
  };
  return { ...latent, samples, meta };
}
