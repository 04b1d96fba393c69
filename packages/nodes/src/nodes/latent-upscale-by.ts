/** LatentUpscaleBy: scales latents by a factor with torch's interpolation semantics (ComfyUI's "Upscale Latent By"). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { LATENT, latentOf } from '../ports.ts';
import { LATENT_UPSCALE_METHODS, resampleLatents } from '../sd/upscale/bislerp.ts';
import { roundHalfEven } from '../sd/schedulers/numpy-compat.ts';
import { resizedNoiseMask } from '../sd/latent-ops/noise-mask.ts';

export const latentUpscaleByNode = () =>
  defineNode({
    type: 'LatentUpscaleBy',
    category: 'latent',
    description:
      "ComfyUI's Upscale Latent By: the latent's width and height times scaleBy, rounded as Python's round() (half to even), resized with torch's nearest-exact, bilinear, bicubic or area, or ComfyUI's bislerp (spherical interpolation of the latent vectors). Follow with a sampler at denoise 0.4–0.6 (hires fix).",
    inputs: { latent: { type: LATENT } },
    params: {
      method: param(z.enum(LATENT_UPSCALE_METHODS).default('nearest-exact'), "Interpolation (torch F.interpolate modes, or ComfyUI's bislerp)"),
      scaleBy: param(z.number().min(0.01).max(8).default(1.5), 'Scale factor'),
    },
    outputs: { latent: LATENT },
    run: ({ latent }, { method, scaleBy }) => {
      const [batch, channels, h, w] = latent.shape;
      // nodes.py LatentUpscaleBy: round(shape * scale_by), Python's round.
      const width = Math.max(1, roundHalfEven(w * scaleBy));
      const height = Math.max(1, roundHalfEven(h * scaleBy));
      const samples = resampleLatents(latent.samples, batch, channels, h, w, height, width, method);
      const shape: [number, number, number, number] = [batch, channels, height, width];
      return { latent: { ...latentOf(samples, shape, latent.meta), ...resizedNoiseMask(latent, shape) } };
    },
  });
