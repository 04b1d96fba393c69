/** UpscaleModelLoader: picks an ONNX super-resolution model from models/upscale_models (ComfyUI's "Load Upscale Model"). */
import { join } from 'node:path';
import { z } from 'zod';
import { atInput, defineNode, LoomError, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { fileStamp, MODEL_FOLDERS, resolveInside } from '../model-files.ts';
import { UPSCALE_MODEL, upscaleModelHandle } from '../sd/upscale/port.ts';

export const upscaleModelLoaderNode = (config: NodePackConfig) => {
  const dir = join(config.modelsDir, MODEL_FOLDERS.upscale_models);
  return defineNode({
    type: 'UpscaleModelLoader',
    category: 'loaders',
    description:
      'Selects an ESRGAN-style ONNX upscaler (image [B,3,H,W] → [B,3,sH,sW]) inside models/upscale_models. The session opens when the model first runs.',
    inputs: {},
    params: { modelName: param(z.string().min(1).default('tiny-esrgan-4x.onnx'), 'ONNX file inside models/upscale_models', { file: 'upscale_models' }) },
    outputs: { upscaleModel: UPSCALE_MODEL },
    fingerprint: async ({ modelName }) => (modelName === undefined ? '' : fileStamp(await resolveInside(dir, modelName, 'Upscale model').catch(() => ''))),
    run: (_inputs, { modelName }) =>
      atInput('modelName', async () => {
        const path = await resolveInside(dir, modelName, 'Upscale model');
        if ((await fileStamp(path)) === 'missing')
          throw new LoomError('MODEL_NOT_FOUND', `Upscale model ${path} does not exist. Put ONNX upscalers in ${dir}.`);
        if (!path.toLowerCase().endsWith('.onnx'))
          throw new LoomError('UNSUPPORTED_MODEL', `${modelName} is not an .onnx file; convert .pth/.safetensors ESRGAN weights to ONNX first.`);
        return { upscaleModel: upscaleModelHandle(path, modelName) };
      }),
  });
};
