/** LatentUpscale: resizes latents with torch's interpolation semantics (ComfyUI's "Upscale Latent"), e.g. for a latent hires fix. */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { LATENT, latentOf } from '../ports.ts';
import { LATENT_UPSCALE_METHODS, resampleLatents } from '../sd/upscale/bislerp.ts';
import { cropPlanes, cropRect, targetSize } from '../sd/upscale/target-size.ts';
import { resizedNoiseMask } from '../sd/latent-ops/noise-mask.ts';

const dimension = (what: string) =>
  param(
    z
      .int()
      .min(0)
      .max(16384)
      .default(1024)
      .refine((v) => v % 8 === 0, { message: 'must be a multiple of 8 (latents are 1/8 of the image)' }),
    `Target image ${what} in pixels (a multiple of 8); 0 keeps the aspect ratio`,
  );

export const latentUpscaleNode = () =>
  defineNode({
    type: 'LatentUpscale',
    category: 'latent',
    description:
      "Resizes latents (nearest-exact, bilinear, bicubic or area, as torch interpolates them, or ComfyUI's bislerp). Sizes are image pixels; a 0 width or height keeps the aspect ratio. Follow with a sampler at denoise 0.4–0.6 (hires fix).",
    inputs: { latent: { type: LATENT } },
    params: {
      method: param(z.enum(LATENT_UPSCALE_METHODS).default('nearest-exact'), "Interpolation (torch F.interpolate modes, or ComfyUI's bislerp)"),
      width: dimension('width'),
      height: dimension('height'),
      crop: param(z.enum(['disabled', 'center']).default('disabled'), 'center: crop to the target aspect ratio before scaling'),
    },
    outputs: { latent: LATENT },
    run: ({ latent }, { method, width, height, crop }) => {
      const [batch, channels, h, w] = latent.shape;
      // ComfyUI computes the kept aspect in latent units and floors the pixel size to latents (`width // 8`).
      const size = targetSize(width === 0 ? 0 : Math.floor(width / 8), height === 0 ? 0 : Math.floor(height / 8), w, h);
      const rect = cropRect(w, h, size.width, size.height, crop);
      const planes = batch * channels;
      const samples = resampleLatents(
        cropPlanes(latent.samples, planes, h, w, rect),
        batch,
        channels,
        rect.height,
        rect.width,
        size.height,
        size.width,
        method,
      );
      const shape = [batch, channels, size.height, size.width] as const;
      return { latent: { ...latentOf(samples, shape, latent.meta), ...resizedNoiseMask(latent, [...shape]) } };
    },
  });
