/**
 * VAELoader (also ComfyUI's name): a standalone VAE file from models/vae, built into ONNX once and cached
 * like checkpoints, as a VAE for VAEDecode and VAEEncode in place of the checkpoint's.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { atInput, defineNode, LoomError, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { fileStamp, MODEL_FOLDERS, resolveInside } from '../model-files.ts';
import { VAE } from '../ports.ts';
import { cacheRootFor } from '../weights/cache/built-pipeline.ts';
import { ensureBuiltVae } from '../weights/cache/built-vae.ts';

export const vaeLoaderNode = (config: NodePackConfig) => {
  const dir = join(config.modelsDir, MODEL_FOLDERS.vae);
  return defineNode({
    type: 'VAELoader',
    category: 'loaders',
    description:
      "Loads a standalone VAE (AutoencoderKL weights, LDM or diffusers layout, .safetensors or .pt, e.g. vae-ft-mse-840000 or sdxl_vae) from models/vae and builds its ONNX encoder and decoder once (cached). Use its VAE in VAEDecode / VAEEncode instead of the checkpoint's. The latent scale factor comes from a config.json or <name>.yaml beside the file, else SDXL's when the file name contains \"xl\", else SD1.x's.",
    inputs: {},
    params: { vaeName: param(z.string().min(1).default('vae.safetensors'), 'VAE file inside models/vae', { file: 'vae' }) },
    outputs: { vae: VAE },
    fingerprint: async ({ vaeName }) => (vaeName === undefined ? '' : fileStamp(await resolveInside(dir, vaeName, 'VAE').catch(() => ''))),
    run: (_inputs, { vaeName }, ctx) =>
      atInput('vaeName', async () => {
        const path = await resolveInside(dir, vaeName, 'VAE');
        if ((await fileStamp(path)) === 'missing')
          throw new LoomError('MODEL_NOT_FOUND', `VAE ${path} does not exist. Put VAE files (.safetensors, .pt) in ${dir}.`);
        const built = await ctx.objects.getOrCreate(`built-vae|${path}|${await fileStamp(path)}`, async () => ({
          value: await ensureBuiltVae(path, { cacheRoot: cacheRootFor(config.modelsDir, config.builtCacheDir), signal: ctx.signal }),
          bytes: 1024,
        }));
        return { vae: { kind: 'vae' as const, dir: built.dir, decoder: built.decoder, encoder: built.encoder, scalingFactor: built.scalingFactor } };
      }),
  });
};
