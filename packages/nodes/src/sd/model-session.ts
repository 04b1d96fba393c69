/**
 * The session for one model component (text encoder, UNet), with the LoRAs of its handle applied.
 * Plain sessions come from the object cache; LoRA support plugs in here.
 */
import type * as ort from 'onnxruntime-node';
import type { NodeContext } from '@loom/engine';
import type { AppliedLora } from '../ports.ts';
import type { NodePackConfig } from '../pack-config.ts';
import { cachedSession } from '../runtime/session.ts';

export type Component = 'unet' | 'text_encoder' | 'text_encoder_2';

export async function modelSession(path: string, _component: Component, _loras: readonly AppliedLora[], config: NodePackConfig, ctx: NodeContext): Promise<ort.InferenceSession> {
  const loaded = await cachedSession(ctx.objects, path, { device: config.device, threads: config.threads }, ctx.log);
  return loaded.session;
}
