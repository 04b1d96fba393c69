/** Sessions for a CLIP handle's text encoders (LoRA-patched when the handle carries LoRAs). */
import type * as ort from 'onnxruntime-node';
import type { NodeContext } from '@loom/engine';
import type { ClipHandle } from '../ports.ts';
import type { NodePackConfig } from '../pack-config.ts';
import { modelSession } from './model-session.ts';

export interface ClipSessions {
  encoders: ort.InferenceSession[];
}

export async function openClipSessions(clip: ClipHandle, config: NodePackConfig, ctx: NodeContext): Promise<ClipSessions> {
  const components = clip.pipeline.family === 'sdxl' ? (['text_encoder', 'text_encoder_2'] as const) : (['text_encoder'] as const);
  const encoders = await Promise.all(clip.pipeline.textEncoders.map((e, i) => modelSession(e.model, components[i] ?? 'text_encoder', clip.loras, config, ctx)));
  return { encoders };
}
