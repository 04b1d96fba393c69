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
import { CLIP, MODEL, modelHandle } from '../ports.ts';
import { fileStamp, isMissingSync, MODEL_FOLDERS, resolveInside } from '../model-files.ts';
import { checkLora } from '../sd/model-session.ts';
import type { LoraReport } from '../sd/lora/index.ts';

const missingLora = (path: string, lorasDir: string): string => `LoRA file ${path} does not exist. Put LoRAs in ${lorasDir}.`;

/** Finds a missing LoRA file at validation, before any work starts; `active` is false at strength 0 (the file is not read). */
export const loraCheck =
  (lorasDir: string, active: (params: Record<string, unknown>) => boolean) =>
  ({ params }: { params: Record<string, unknown> }) =>
    typeof params.lora === 'string' && active(params) && isMissingSync(lorasDir, params.lora)
      ? [{ code: 'MODEL_NOT_FOUND' as const, input: 'lora', message: missingLora(join(lorasDir, params.lora), lorasDir) }]
      : [];

/** The strength parameter, shared with LoraLoaderModelOnly. */
export const loraStrength = (what: string) => param(z.number().min(-100).max(100).default(1), `LoRA strength on the ${what}`, 'slider');

/** The LoRA file parameter and its fingerprint, shared with LoraLoaderModelOnly. */
export const loraParam = () => param(z.string().min(1), 'LoRA file inside models/loras', { file: 'loras' });
export const loraFingerprint =
  (lorasDir: string) =>
  async ({ lora }: { lora?: string }) =>
    lora === undefined ? '' : fileStamp(await resolveInside(lorasDir, lora, 'LoRA').catch(() => ''));

/** The LoRA's absolute path; a missing file fails on the `lora` input. */
export function loraPath(lorasDir: string, lora: string): Promise<string> {
  return atInput('lora', async () => {
    const path = await resolveInside(lorasDir, lora, 'LoRA');
    if ((await fileStamp(path)) === 'missing') throw new LoomError('MODEL_NOT_FOUND', missingLora(path, lorasDir));
    return path;
  });
}

/** How many weights a set of LoRA reports matched. */
export const matchedWeights = (reports: LoraReport[]): number => reports.reduce((n, r) => n + r.files.reduce((m, f) => m + f.matched.length, 0), 0);

export const loraLoaderNode = (config: NodePackConfig) => {
  const lorasDir = join(config.modelsDir, MODEL_FOLDERS.loras);
  return defineNode({
    type: 'LoRALoader',
    category: 'loaders',
    description: 'Applies a LoRA (diffusers, PEFT or kohya safetensors) to the UNet and text encoders. Chain several to stack them.',
    inputs: { model: { type: MODEL }, clip: { type: CLIP } },
    params: {
      lora: loraParam(),
      strengthModel: loraStrength('UNet'),
      strengthClip: loraStrength('text encoders'),
    },
    outputs: { model: MODEL, clip: CLIP },
    check: loraCheck(lorasDir, (p) => !(p.strengthModel === 0 && p.strengthClip === 0)),
    fingerprint: loraFingerprint(lorasDir),
    run: async ({ model, clip }, { lora, strengthModel, strengthClip }, ctx) => {
      if (strengthModel === 0 && strengthClip === 0) return { model, clip };
      const file = await loraPath(lorasDir, lora);
      const { pipeline } = model;
      const unet = strengthModel === 0 ? [] : [await checkLora(pipeline.unet, 'unet', file, ctx)];
      const components = ['text_encoder', 'text_encoder_2'] as const;
      const encoders =
        strengthClip === 0 ? [] : await Promise.all(clip.pipeline.textEncoders.map((e, i) => checkLora(e.model, components[i] ?? 'text_encoder', file, ctx)));
      if (matchedWeights(unet) + matchedWeights(encoders) === 0) {
        throw new LoomError('BAD_FILE', `LoRA ${file} matches no weight of pipeline ${pipeline.name} at the given strengths.`, { input: 'lora' });
      }
      ctx.log.info(`${lora}: ${matchedWeights(unet)} UNet and ${matchedWeights(encoders)} text-encoder modules matched`);
      // A LoRA without text-encoder weights leaves CLIP alone, so its encodings stay shared with the base model.
      return {
        model: matchedWeights(unet) === 0 ? model : modelHandle(pipeline, [...model.loras, { file, name: lora, strength: strengthModel }]),
        clip: matchedWeights(encoders) === 0 ? clip : { ...clip, loras: [...clip.loras, { file, name: lora, strength: strengthClip }] },
      };
    },
  });
};
