/** VAEEncodeForInpaint: encodes an image with its masked region greyed out, and sets the noise mask (ComfyUI's node). */
import { z } from 'zod';
import { defineNode, LoomError, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { IMAGE, LATENT, MASK, VAE } from '../ports.ts';
import { cachedSession } from '../runtime/session.ts';
import { encodeImages } from '../sd/vae.ts';
import { prepareInpaint } from '../sd/latent-ops/inpaint-prep.ts';
import { noiseMaskOf } from '../sd/latent-ops/noise-mask.ts';

export const vaeEncodeForInpaintNode = (config: NodePackConfig) =>
  defineNode({
    type: 'VAEEncodeForInpaint',
    category: 'latent/inpaint',
    description:
      "ComfyUI's VAE Encode (for Inpainting): crops to multiples of 8, sets the masked pixels to grey before encoding, and attaches the mask grown by growMaskBy pixels as the latent's noise mask. Sample at denoise 1 with KSampler (best with an inpainting model).",
    inputs: { images: { type: IMAGE }, vae: { type: VAE }, mask: { type: MASK } },
    params: { growMaskBy: param(z.int().min(0).max(64).default(6), 'Grow the mask by this many pixels for seamless edges') },
    outputs: { latent: LATENT },
    run: async ({ images, vae, mask }, { growMaskBy }, ctx) => {
      const encoder = vae.encoder;
      if (!encoder)
        throw new LoomError('UNSUPPORTED_MODEL', `Pipeline ${vae.dir} has no vae_encoder/model.onnx, so it cannot encode images.`, { input: 'vae' });
      const prep = prepareInpaint(images, mask, growMaskBy);
      const { session } = await cachedSession(ctx.objects, encoder, config, ctx.log);
      const latent = await encodeImages(session, encoder, prep.images, vae.scalingFactor);
      const [, h, w] = prep.images.shape;
      return { latent: { ...latent, noiseMask: noiseMaskOf(prep.noiseMask, prep.maskBatch, h, w, latent.shape) } };
    },
  });
