/** KSampler: ComfyUI's sampler node with ComfyUI/k-diffusion semantics (UNetSampler is the diffusers-semantics one). */
import { z } from 'zod';
import { defineNode, MAX_SEED, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { CONDITIONING, LATENT, MODEL } from '../ports.ts';
import { K_SAMPLER_NAMES, SCHEDULER_NAMES } from '../sd/k-sampling/index.ts';
import { runKSampler } from '../sd/k-sampling/run-ksampler.ts';

export const kSamplerNode = (config: NodePackConfig) =>
  defineNode({
    type: 'KSampler',
    category: 'sampling',
    description:
      "ComfyUI's KSampler with ComfyUI/k-diffusion semantics: the model's discrete σ table, ComfyUI's schedulers, samplers and seeded noise, so a ComfyUI workflow's seed and settings give ComfyUI's latents (as ComfyUI computes them on the CPU). Conditionings with several entries (ConditioningCombine), areas, strengths and timestep ranges are sampled as ComfyUI's calc_cond_batch does; inpainting (9-channel) checkpoints get the latent's noise mask and the latent as their extra channels. For diffusers' schedulers use UNetSampler.",
    inputs: {
      model: { type: MODEL },
      positive: { type: CONDITIONING, description: 'What the image should show' },
      negative: { type: CONDITIONING, description: 'What it should not' },
      latentImage: { type: LATENT, description: 'Starting latents (EmptyLatentImage for txt2img, VAEEncode for img2img); a noise mask limits the repaint' },
    },
    params: {
      seed: param(z.int().min(0).max(MAX_SEED).default(0), 'Noise seed', 'seed'),
      steps: param(z.int().min(1).max(10000).default(20), 'Sampling steps'),
      cfg: param(z.number().min(0).max(100).default(8), 'Classifier-free guidance scale (1 skips the negative)', 'slider'),
      samplerName: param(z.enum(K_SAMPLER_NAMES).default('euler'), 'k-diffusion sampler'),
      scheduler: param(z.enum(SCHEDULER_NAMES).default('normal'), 'σ schedule'),
      denoise: param(z.number().min(0).max(1).default(1), 'Fraction of the schedule to run: 1 = txt2img, below 1 = img2img', 'slider'),
    },
    outputs: { latent: LATENT },
    run: async ({ model, positive, negative, latentImage }, p, ctx) => ({
      latent: await runKSampler(
        config,
        { model, positive, negative, latentImage, cfg: p.cfg },
        { sampler: p.samplerName, scheduler: p.scheduler, steps: p.steps, denoise: p.denoise, seed: p.seed },
        ctx,
      ),
    }),
  });
