/** UNetSampler: denoises latents with the UNet under text guidance, with diffusers semantics (KSampler is the ComfyUI one). */
import { z } from 'zod';
import { defineNode, LoomError, MAX_SEED, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { CONDITIONING, LATENT, MODEL, latentOf } from '../ports.ts';
import { latentPreview } from '../sd/latent-preview.ts';
import { latentPixelSize, latentSizeProblem, modelPipeline, pipelineDownFactor, VAE_FACTOR } from '../sd/latent-size.ts';
import { sampleLatents } from '../sd/sampling.ts';
import { SCHEDULES, resolveScheduler, type Schedule } from '../sd/sampler-choice.ts';
import { SAMPLERS, type Sampler } from '../sd/schedulers/index.ts';
import { schedulerConfigProblem } from '../sd/scheduler-config-check.ts';
import { effectiveNegative } from '../sd/unet.ts';
import { embeddingsOf } from '../sd/embeddings/used-embeddings.ts';
import { openModel } from '../sd/model-session.ts';
import { checkNoNoiseMask, checkNotInpaintModel, checkSingleEntry } from '../sd/conditioning/single-entry.ts';

export const unetSamplerNode = (config: NodePackConfig) =>
  defineNode({
    type: 'UNetSampler',
    category: 'sampling',
    description:
      "Samples latents with the UNet, with diffusers semantics: diffusers' schedulers and the model's scheduler_config.json, so a seed gives the same latents as diffusers. txt2img from an empty latent, or img2img with denoise below 1. For ComfyUI/k-diffusion semantics use KSampler.",
    inputs: {
      model: { type: MODEL },
      positive: { type: CONDITIONING, description: 'What the image should show' },
      negative: { type: CONDITIONING, description: 'What it should not' },
      latent: { type: LATENT, description: 'Starting latents (EmptyLatent for txt2img, VAEEncode for img2img)' },
    },
    params: {
      seed: param(z.int().min(0).max(MAX_SEED).default(0), 'Noise seed', 'seed'),
      steps: param(z.int().min(1).max(1000).default(20), 'Denoising steps'),
      cfg: param(z.number().min(0).max(100).default(7), 'Classifier-free guidance scale (1 skips the unconditional pass)', 'slider'),
      sampler: param(z.enum(SAMPLERS).default('euler'), 'Sampling method, following diffusers (ComfyUI names)'),
      schedule: param(z.enum(SCHEDULES).default('normal'), "Sigma schedule: the model's own, or Karras (euler and dpmpp_2m only)"),
      denoise: param(z.number().min(0).max(1).default(1), 'How much to change the input: 1 = txt2img, 0.4–0.6 for img2img', 'slider'),
      preview: param(z.boolean().default(true), 'Send a cheap latent preview with each step'),
      originalWidth: param(z.int().min(0).max(16384).default(0), 'SDXL: original size conditioning, 0 = the output size'),
      originalHeight: param(z.int().min(0).max(16384).default(0), 'SDXL: original size conditioning, 0 = the output size'),
      cropLeft: param(z.int().min(0).max(16384).default(0), 'SDXL: crop-coordinates conditioning'),
      cropTop: param(z.int().min(0).max(16384).default(0), 'SDXL: crop-coordinates conditioning'),
    },
    outputs: { latent: LATENT },
    check: (view) => {
      const pipeline = modelPipeline(view.source('model')?.node);
      if (pipeline === undefined) return [];
      const size = latentPixelSize(view.source('latent')?.node);
      const factor = pipelineDownFactor(config.modelsDir, pipeline);
      const misfit = size && factor && latentSizeProblem(size.width, size.height, factor, pipeline);
      const { sampler, schedule } = view.params as { sampler?: Sampler; schedule?: Schedule };
      const scheduler = sampler && schedule && schedulerConfigProblem(config.modelsDir, pipeline, sampler, schedule);
      return [...(misfit ? [{ input: 'latent', message: misfit }] : []), ...(scheduler ? [scheduler] : [])];
    },
    run: async ({ model, positive, negative, latent }, p, ctx) => {
      checkSingleEntry('positive', positive, ctx.log);
      checkSingleEntry('negative', negative, ctx.log);
      checkNoNoiseMask(latent);
      const { pipeline } = model;
      const height = latent.shape[2] * VAE_FACTOR;
      const width = latent.shape[3] * VAE_FACTOR;
      // Sizes only known at run time (an encoded image) are checked here, before the UNet is opened.
      const misfit = pipeline.unetDownFactor && latentSizeProblem(width, height, pipeline.unetDownFactor, pipeline.name);
      if (misfit) throw new LoomError('PARAM_INVALID', misfit, { input: 'latent' });
      const unet = await openModel(pipeline.unet, 'unet', model.loras, config, ctx);
      checkNotInpaintModel(unet, latent, pipeline.name);
      // diffusers _get_add_time_ids: original_size + crops_coords_top_left + target_size.
      const timeIds = [p.originalHeight || height, p.originalWidth || width, p.cropTop, p.cropLeft, height, width];
      const samples = await sampleLatents(
        unet,
        latent,
        { positive, negative: effectiveNegative(negative, pipeline.forceZerosForEmptyPrompt), cfg: p.cfg, ...(pipeline.family === 'sdxl' && { timeIds }) },
        {
          seed: p.seed,
          steps: p.steps,
          scheduler: resolveScheduler(p.sampler, p.schedule),
          denoise: p.denoise,
          schedulerConfig: pipeline.schedulerConfig,
          ...(p.preview && { preview: (x0, shape) => latentPreview(x0, shape, pipeline.previewFactors) }),
        },
        ctx,
      );
      const meta = {
        ...latent.meta,
        prompt: positive.prompt,
        negativePrompt: negative.prompt,
        seed: p.seed,
        steps: p.steps,
        cfg: p.cfg,
        sampler: p.schedule === 'karras' ? `${p.sampler}_karras` : p.sampler,
        denoise: p.denoise,
        model: pipeline.name,
        loras: model.loras,
        embeddings: embeddingsOf(positive, negative),
      };
      return { latent: latentOf(samples, latent.shape, meta) };
    },
  });
