/** The UNet of a MODEL handle as a runner (LoRA-aware through {@link modelSession}). */
import type { NodeContext } from '@loom/engine';
import type { ModelHandle } from '../ports.ts';
import type { NodePackConfig } from '../pack-config.ts';
import { modelSession } from './model-session.ts';
import type { UnetRunner } from './unet.ts';

export async function openUnet(model: ModelHandle, config: NodePackConfig, ctx: NodeContext): Promise<UnetRunner> {
  const session = await modelSession(model.pipeline.unet, 'unet', model.loras, config, ctx);
  return { session, model: model.pipeline.unet, run: (feeds) => session.run(feeds) };
}
