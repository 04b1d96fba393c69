/** UNetSampler: denoises latents with the UNet under text guidance (ComfyUI's KSampler). */
import { z } from 'zod';
import { defineNode, MAX_SEED, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { CONDITIONING, LATENT, MODEL, latentOf } from '../ports.ts';
import { latentPreview } from '../sd/latent-preview.ts';
import { sampleLatents } from '../sd/sampling.ts';
import { SAMPLERS, resolveScheduler } from '../sd/sampler-choice.ts';
import { effectiveNegative } from '../sd/unet.ts';
import { openModel } from '../sd/model-session.ts';
import { checkNoNoiseMask, checkSingleEntry } from '../sd/conditioning/single-entry.ts';

export const unetSamplerNode = (config: NodePackConfig) =>
  defineNode({
    type: 'UNetSampler',
    category: 'sampling',
    description:
      'Samples latents with the UNet: txt2img from an empty latent, or img2img with denoise below 1. Seeds give the same noise as torch.randn on the CPU, so results match diffusers for the same seed.',
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
      schedule: param(z.enum(['normal', 'karras']).default('normal'), "Sigma schedule: the model's own, or Karras (euler and dpmpp_2m only)"),
      denoise: param(z.number().min(0).max(1).default(1), 'How much to change the input: 1 = txt2img, 0.4–0.6 for img2img', 'slider'),
      preview: param(z.boolean().default(true), 'Send a cheap latent preview with each step'),
      originalWidth: param(z.int().min(0).max(16384).default(0), 'SDXL: original size conditioning, 0 = the output size'),
      originalHeight: param(z.int().min(0).max(16384).default(0), 'SDXL: original size conditioning, 0 = the output size'),
      cropLeft: param(z.int().min(0).max(16384).default(0), 'SDXL: crop-coordinates conditioning'),
      cropTop: param(z.int().min(0).max(16384).default(0), 'SDXL: crop-coordinates conditioning'),
    },
    outputs: { latent: LATENT },
    run: async ({ model, positive, negative, latent }, p, ctx) => {
      checkSingleEntry('positive', positive, ctx.log);
      checkSingleEntry('negative', negative, ctx.log);
      checkNoNoiseMask(latent);
      const { pipeline } = model;
      const unet = await openModel(pipeline.unet, 'unet', model.loras, config, ctx);
      const height = latent.shape[2] * 8;
      const width = latent.shape[3] * 8;
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
          ...(p.preview && { preview: (x0, shape) => latentPreview(x0, shape, pipeline.family) }),
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
      };
      return { latent: latentOf(samples, latent.shape, meta) };
    },
  });
