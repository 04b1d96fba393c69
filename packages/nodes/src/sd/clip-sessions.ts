/** Runners for a CLIP handle's text encoders (LoRA-patched when the handle carries LoRAs). */
import type { NodeContext } from '@loom/engine';
import type { ClipHandle } from '../ports.ts';
import type { NodePackConfig } from '../pack-config.ts';
import { openModel, type ModelRunner } from './model-session.ts';

const COMPONENTS = ['text_encoder', 'text_encoder_2'] as const;

export async function openTextEncoders(clip: ClipHandle, config: NodePackConfig, ctx: NodeContext): Promise<ModelRunner[]> {
  return Promise.all(clip.pipeline.textEncoders.map((e, i) => openModel(e.model, COMPONENTS[i] ?? 'text_encoder', clip.loras, config, ctx)));
}
