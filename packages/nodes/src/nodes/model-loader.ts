/**
 * ModelLoader: a model from the models directory → MODEL, CLIP, VAE (ComfyUI's CheckpointLoaderSimple).
 * ONNX pipeline folders open directly; single-file checkpoints and diffusers folders are built into
 * ONNX once (progress on this node) and opened from the cache afterwards.
 */
import { z } from 'zod';
import { atInput, defineNode, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { CLIP, MODEL, VAE, clipHandle, modelHandle, vaeHandle } from '../ports.ts';
import { modelStamp, openModel } from '../sd/model-source.ts';

export const modelLoaderNode = (config: NodePackConfig) =>
  defineNode({
    type: 'ModelLoader',
    category: 'loaders',
    description:
      'Loads a Stable Diffusion model (SD1.5 or SDXL) from the models directory: a single-file checkpoint in checkpoints/ (.safetensors, .ckpt), a diffusers folder, or an ONNX pipeline folder (Optimum or diffusers-script layout). Checkpoints are converted to ONNX on first load and cached.',
    inputs: {},
    params: {
      pipeline: param(z.string().min(1).default('loom-tiny'), 'Pipeline folder or checkpoints/ file inside the models directory', { file: 'pipelines' }),
    },
    outputs: { model: MODEL, clip: CLIP, vae: VAE },
    fingerprint: async ({ pipeline }) => (pipeline === undefined ? '' : modelStamp(config, pipeline)),
    run: async (_inputs, { pipeline }, ctx) => {
      const files = await atInput('pipeline', () => openModel(config, pipeline, (value, max) => ctx.progress(value, max), ctx.signal));
      return {
        model: modelHandle(files),
        clip: clipHandle(files),
        vae: vaeHandle(files),
      };
    },
  });
