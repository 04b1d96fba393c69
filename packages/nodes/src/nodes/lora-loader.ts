/**
 * LoRALoader: applies a LoRA file to MODEL and CLIP with ComfyUI's semantics (`strength_model` scales the
 * UNet delta, `strength_clip` the text encoders'; both 0 passes the inputs through). Stack several in a
 * chain. The file is read and matched here, so a LoRA for another model fails on this node; the merge
 * itself happens where the model runs (sd/model-session.ts).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { atInput, defineNode, LoomError, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { CLIP, MODEL, clipHandle, modelHandle } from '../ports.ts';
import { fileStamp, isMissingSync, MODEL_FOLDERS, resolveInside } from '../model-files.ts';
import { checkLora } from '../sd/model-session.ts';
import type { LoraReport } from '../sd/lora/index.ts';

const missingLora = (path: string, lorasDir: string): string => `LoRA file ${path} does not exist. Put LoRAs in ${lorasDir}.`;

const strength = (what: string) => param(z.number().min(-100).max(100).default(1), `LoRA strength on the ${what}`, 'slider');

export const loraLoaderNode = (config: NodePackConfig) => {
  const lorasDir = join(config.modelsDir, MODEL_FOLDERS.loras);
  return defineNode({
    type: 'LoRALoader',
    category: 'loaders',
    description: 'Applies a LoRA (diffusers, PEFT or kohya safetensors) to the UNet and text encoders. Chain several to stack them.',
    inputs: { model: { type: MODEL }, clip: { type: CLIP } },
    params: {
      lora: param(z.string().min(1), 'LoRA file inside models/loras', { file: 'loras' }),
      strengthModel: strength('UNet'),
      strengthClip: strength('text encoders'),
    },
    outputs: { model: MODEL, clip: CLIP },
    check: ({ params: { lora, strengthModel, strengthClip } }) =>
      typeof lora === 'string' && !(strengthModel === 0 && strengthClip === 0) && isMissingSync(lorasDir, lora) ? [{ code: 'MODEL_NOT_FOUND', input: 'lora', message: missingLora(join(lorasDir, lora), lorasDir) }] : [],
    fingerprint: async ({ lora }) => (lora === undefined ? '' : fileStamp(await resolveInside(lorasDir, lora, 'LoRA').catch(() => ''))),
    run: async ({ model, clip }, { lora, strengthModel, strengthClip }, ctx) => {
      if (strengthModel === 0 && strengthClip === 0) return { model, clip };
      const file = await atInput('lora', async () => {
        const path = await resolveInside(lorasDir, lora, 'LoRA');
        if ((await fileStamp(path)) === 'missing') throw new LoomError('MODEL_NOT_FOUND', missingLora(path, lorasDir));
        return path;
      });
      const { pipeline } = model;
      const unet = strengthModel === 0 ? [] : [await checkLora(pipeline.unet, 'unet', file, ctx)];
      const components = ['text_encoder', 'text_encoder_2'] as const;
      const encoders = strengthClip === 0 ? [] : await Promise.all(clip.pipeline.textEncoders.map((e, i) => checkLora(e.model, components[i] ?? 'text_encoder', file, ctx)));
      const matched = (reports: LoraReport[]) => reports.reduce((n, r) => n + r.files.reduce((m, f) => m + f.matched.length, 0), 0);
      if (matched(unet) + matched(encoders) === 0) {
        throw new LoomError('BAD_FILE', `LoRA ${file} matches no weight of pipeline ${pipeline.name} at the given strengths.`, { input: 'lora' });
      }
      ctx.log.info(`${lora}: ${matched(unet)} UNet and ${matched(encoders)} text-encoder modules matched`);
      // A LoRA without text-encoder weights leaves CLIP alone, so its encodings stay shared with the base model.
      return {
        model: matched(unet) === 0 ? model : modelHandle(pipeline, [...model.loras, { file, name: lora, strength: strengthModel }]),
        clip: matched(encoders) === 0 ? clip : clipHandle(clip.pipeline, [...clip.loras, { file, name: lora, strength: strengthClip }]),
      };
    },
  });
};
