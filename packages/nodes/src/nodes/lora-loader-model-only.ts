/** LoraLoaderModelOnly: a LoRA on the UNet alone (ComfyUI's node of that name; LoRALoader without CLIP). */
import { join } from 'node:path';
import { defineNode, LoomError } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { MODEL, modelHandle } from '../ports.ts';
import { MODEL_FOLDERS } from '../model-files.ts';
import { checkLora } from '../sd/model-session.ts';
import { loraCheck, loraFingerprint, loraParam, loraPath, loraStrength, matchedWeights } from './lora-loader.ts';

export const loraLoaderModelOnlyNode = (config: NodePackConfig) => {
  const lorasDir = join(config.modelsDir, MODEL_FOLDERS.loras);
  return defineNode({
    type: 'LoraLoaderModelOnly',
    category: 'loaders',
    description:
      "ComfyUI's LoraLoaderModelOnly: applies a LoRA's UNet weights only (its text-encoder weights are not used). Strength 0 passes the model through.",
    inputs: { model: { type: MODEL } },
    params: { lora: loraParam(), strengthModel: loraStrength('UNet') },
    outputs: { model: MODEL },
    check: loraCheck(lorasDir, (p) => p.strengthModel !== 0),
    fingerprint: loraFingerprint(lorasDir),
    run: async ({ model }, { lora, strengthModel }, ctx) => {
      if (strengthModel === 0) return { model };
      const file = await loraPath(lorasDir, lora);
      const matched = matchedWeights([await checkLora(model.pipeline.unet, 'unet', file, ctx)]);
      if (matched === 0) throw new LoomError('BAD_FILE', `LoRA ${file} matches no UNet weight of pipeline ${model.pipeline.name}.`, { input: 'lora' });
      ctx.log.info(`${lora}: ${matched} UNet modules matched`);
      return { model: modelHandle(model.pipeline, [...model.loras, { file, name: lora, strength: strengthModel }]) };
    },
  });
};
