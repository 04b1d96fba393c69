/**
 * KSamplerAdvanced: KSampler with ComfyUI's step range (nodes.py `KSamplerAdvanced`): run steps
 * start_at_step…end_at_step of a `steps`-step schedule, optionally without adding noise (to continue a latent
 * that still holds noise) and optionally returning the leftover noise (the last σ is then kept, not set to 0).
 */
import { z } from 'zod';
import { defineNode, MAX_SEED, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { CONDITIONING, LATENT, MODEL } from '../ports.ts';
import { K_SAMPLER_NAMES, SCHEDULER_NAMES } from '../sd/k-sampling/index.ts';
import { runKSampler } from '../sd/k-sampling/run-ksampler.ts';

export const kSamplerAdvancedNode = (config: NodePackConfig) =>
  defineNode({
    type: 'KSamplerAdvanced',
    category: 'sampling',
    description: "ComfyUI's KSamplerAdvanced with ComfyUI/k-diffusion semantics: KSampler over a range of steps, for multi-pass (base → refiner) sampling.",
    inputs: {
      model: { type: MODEL },
      positive: { type: CONDITIONING, description: 'What the image should show' },
      negative: { type: CONDITIONING, description: 'What it should not' },
      latentImage: { type: LATENT, description: 'Starting latents, or the leftover-noise output of an earlier KSamplerAdvanced' },
    },
    params: {
      addNoise: param(z.enum(['enable', 'disable']).default('enable'), "Add the seed's noise first (disable to continue a latent that still holds noise)"),
      noiseSeed: param(z.int().min(0).max(MAX_SEED).default(0), 'Noise seed', 'seed'),
      steps: param(z.int().min(1).max(10000).default(20), 'Steps of the whole schedule'),
      cfg: param(z.number().min(0).max(100).default(8), 'Classifier-free guidance scale (1 skips the negative)', 'slider'),
      samplerName: param(z.enum(K_SAMPLER_NAMES).default('euler'), 'k-diffusion sampler'),
      scheduler: param(z.enum(SCHEDULER_NAMES).default('normal'), 'σ schedule'),
      startAtStep: param(z.int().min(0).max(10000).default(0), 'First step to run'),
      endAtStep: param(z.int().min(0).max(10000).default(10000), 'Step to stop at'),
      returnWithLeftoverNoise: param(
        z.enum(['disable', 'enable']).default('disable'),
        'Stop at end_at_step without denoising the rest (for a following KSamplerAdvanced)',
      ),
    },
    outputs: { latent: LATENT },
    run: async ({ model, positive, negative, latentImage }, p, ctx) => ({
      latent: await runKSampler(
        config,
        { model, positive, negative, latentImage, cfg: p.cfg },
        {
          sampler: p.samplerName,
          scheduler: p.scheduler,
          steps: p.steps,
          seed: p.noiseSeed,
          addNoise: p.addNoise === 'enable',
          startAtStep: p.startAtStep,
          endAtStep: p.endAtStep,
          forceFullDenoise: p.returnWithLeftoverNoise === 'disable',
        },
        ctx,
      ),
    }),
  });
