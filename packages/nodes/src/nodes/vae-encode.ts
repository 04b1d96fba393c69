/** VAEEncode: images → latents (for img2img), using the VAE encoder's mean. */
import { defineNode, LoomError } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { IMAGE, LATENT, VAE } from '../ports.ts';
import { cachedSession } from '../runtime/session.ts';
import { encodeImages } from '../sd/vae.ts';

export const vaeEncodeNode = (config: NodePackConfig) =>
  defineNode({
    type: 'VAEEncode',
    category: 'latent',
    description: 'Encodes images to latents with the VAE encoder (width and height must be multiples of 8).',
    inputs: { vae: { type: VAE }, images: { type: IMAGE } },
    params: {},
    outputs: { latent: LATENT },
    run: async ({ vae, images }, _params, ctx) => {
      const encoder = vae.encoder;
      if (!encoder)
        throw new LoomError('UNSUPPORTED_MODEL', `Pipeline ${vae.dir} has no vae_encoder/model.onnx, so it cannot encode images.`, { input: 'vae' });
      const { session } = await cachedSession(ctx.objects, encoder, config, ctx.log);
      return { latent: await encodeImages(session, encoder, images, vae.scalingFactor) };
    },
  });
