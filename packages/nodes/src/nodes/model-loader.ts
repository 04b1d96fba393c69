/** ModelLoader: a pipeline folder from the models directory → MODEL, CLIP, VAE (ComfyUI's CheckpointLoaderSimple). */
import { join } from 'node:path';
import { z } from 'zod';
import { atInput, defineNode, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { CLIP, MODEL, VAE, clipHandle, modelHandle, vaeHandle } from '../ports.ts';
import { readPipeline } from '../sd/pipeline.ts';
import { fileStamp, resolveInside } from '../model-files.ts';

export const modelLoaderNode = (config: NodePackConfig) =>
  defineNode({
    type: 'ModelLoader',
    category: 'loaders',
    description: 'Loads a Stable Diffusion ONNX pipeline folder (Optimum or diffusers-script layout, SD1.5 or SDXL) from the models directory.',
    inputs: {},
    params: {
      pipeline: param(z.string().min(1).default('loom-tiny'), 'Pipeline folder inside the models directory', { file: 'pipelines' }),
    },
    outputs: { model: MODEL, clip: CLIP, vae: VAE },
    fingerprint: async ({ pipeline }) => {
      if (pipeline === undefined) return '';
      const dir = await resolveInside(config.modelsDir, pipeline, 'Pipeline').catch(() => undefined);
      if (!dir) return 'invalid';
      const parts = ['model_index.json', 'unet/model.onnx', 'text_encoder/model.onnx', 'text_encoder_2/model.onnx', 'vae_decoder/model.onnx'];
      return (await Promise.all(parts.map((p) => fileStamp(join(dir, p))))).join('|');
    },
    run: async (_inputs, { pipeline }) => {
      const files = await atInput('pipeline', async () => readPipeline(await resolveInside(config.modelsDir, pipeline, 'Pipeline')));
      return {
        model: modelHandle(files),
        clip: clipHandle(files),
        vae: vaeHandle(files),
      };
    },
  });
