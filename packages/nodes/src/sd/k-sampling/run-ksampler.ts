/**
 * What KSampler and KSamplerAdvanced share (nodes.py `common_ksampler`): open the UNet, build the model's σ table
 * from its scheduler config, sample, report each step with a latent preview, and return the latent with the new
 * samples (its noise mask and batch index kept, as ComfyUI copies the latent dict). Conditionings may hold several
 * entries with areas, strengths and timestep ranges ({@link unetDenoiser}); the PNG's prompt joins the entries'
 * prompts with A1111's " AND ". An inpainting UNet is fed the latent's noise mask and the latent itself as its extra
 * channels (inpaint-concat.ts), as ComfyUI does for such models.
 */
import type { NodeContext } from '@loom/engine';
import type { NodePackConfig } from '../../pack-config.ts';
import { conditioningEntries, type Conditioning, type Latent, type ModelHandle } from '../../ports.ts';
import { embeddingsOf } from '../embeddings/used-embeddings.ts';
import { openModel } from '../model-session.ts';
import { latentPreview } from '../latent-preview.ts';
import { ModelSampling } from './model-sampling.ts';
import { kSample, type KSampleOptions } from './ksample.ts';
import { unetDenoiser } from './unet-denoiser.ts';
import { inpaintConcat, unetSampleChannels } from './inpaint-concat.ts';

export interface KSamplerInputs {
  model: ModelHandle;
  positive: Conditioning;
  negative: Conditioning;
  latentImage: Latent;
  cfg: number;
}

const promptOf = (c: Conditioning): string =>
  conditioningEntries(c)
    .map((e) => e.prompt)
    .join(' AND ');

export async function runKSampler(
  config: NodePackConfig,
  inputs: KSamplerInputs,
  options: Omit<KSampleOptions, 'onStep' | 'noiseMask' | 'batchIndex'>,
  ctx: NodeContext,
): Promise<Latent> {
  const { model, positive, negative, latentImage: latent, cfg } = inputs;
  const { pipeline } = model;
  const unet = await openModel(pipeline.unet, 'unet', model.loras, config, ctx);
  const ms = ModelSampling.fromSchedulerConfig(pipeline.schedulerConfig);
  // An inpainting UNet (9 input channels) also reads the mask and the masked image's latent.
  const inpaintModel = unetSampleChannels(unet) === latent.shape[1] * 2 + 1;
  const concat = inpaintModel ? { values: inpaintConcat(latent), channels: latent.shape[1] + 1 } : undefined;
  const denoiser = unetDenoiser(ms, unet, latent.shape, { positive, negative, cfg, family: pipeline.family, ...(concat && { concat }) });
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
    prompt: promptOf(positive),
    negativePrompt: promptOf(negative),
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
