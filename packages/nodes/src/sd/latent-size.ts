/**
 * Which image sizes a model can take. The VAE shrinks images by 2^(VAE blocks − 1) (8 for every SD VAE)
 * and the UNet halves its latents once per down block except the last (diffusers `UNet2DConditionModel`:
 * `add_downsample=not is_final_block`); its up blocks concatenate skips of the same size, so a latent side
 * that does not divide evenly fails inside onnxruntime as a Concat shape error. Checking the size against
 * the model's own config turns that into a validation error that says which sizes work.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { CheckView } from '@loom/engine';
import { isRelativeName } from '../model-files.ts';
import { parsePythonJson } from './python-json.ts';

/** The VAE's factor for every Stable Diffusion VAE (4 blocks): latents are 1/8 of the image. */
export const VAE_FACTOR = 8;

const UnetConfigSchema = z.looseObject({
  down_block_types: z.array(z.string()).min(1).optional(),
  block_out_channels: z.array(z.number()).min(1).optional(),
});

/** 2^(down blocks − 1) from a diffusers UNet config, or undefined when it says neither. */
export function unetDownFactor(config: unknown): number | undefined {
  const parsed = UnetConfigSchema.safeParse(config);
  if (!parsed.success) return undefined;
  const blocks = parsed.data.down_block_types?.length ?? parsed.data.block_out_channels?.length;
  return blocks === undefined ? undefined : 2 ** (blocks - 1);
}

/** The UNet factor of a pipeline folder in the models dir, or undefined when it has no readable config. */
export function pipelineDownFactor(modelsDir: string, pipeline: string): number | undefined {
  if (!isRelativeName(pipeline)) return undefined;
  try {
    return unetDownFactor(parsePythonJson(readFileSync(join(modelsDir, pipeline, 'unet', 'config.json'), 'utf8')));
  } catch {
    return undefined; // no config here: the loader reports the folder itself
  }
}

/**
 * A message when an image of `width`×`height` pixels cannot go through a UNet with `factor`, naming the
 * nearest sizes that can; undefined when it fits.
 */
export function latentSizeProblem(width: number, height: number, factor: number, model: string): string | undefined {
  const step = VAE_FACTOR * factor;
  const bad = [['width', width] as const, ['height', height] as const].filter(([, v]) => v % step !== 0);
  if (bad.length === 0) return undefined;
  const nearest = (v: number): string => {
    const below = Math.floor(v / step) * step;
    return below === 0 ? `${step}` : `${below} or ${below + step}`;
  };
  const sizes = bad.map(([what, v]) => `${what} ${v} → ${nearest(v)}`).join(', ');
  return `Image size ${width}×${height} does not fit the UNet of "${model}": it downsamples latents ${factor}× (${VAE_FACTOR}× VAE), so width and height must be multiples of ${step}. Nearest sizes: ${sizes}.`;
}

/** The pixel size a LATENT link will carry, when it is fixed by literal parameters upstream. */
export function latentPixelSize(view: CheckView | undefined): { width: number; height: number } | undefined {
  if (view === undefined) return undefined;
  const { width, height } = view.params;
  if (typeof width === 'number' && typeof height === 'number' && width > 0 && height > 0) return { width, height };
  // Samplers keep their input's size (a second pass of hires fix samples the upscaled latent).
  return 'denoise' in view.params ? latentPixelSize(view.source('latent')?.node) : undefined;
}

/** The pipeline folder a MODEL link comes from: a ModelLoader, possibly through LoRA loaders. */
export function modelPipeline(view: CheckView | undefined): string | undefined {
  if (view === undefined) return undefined;
  if (typeof view.params.pipeline === 'string') return view.params.pipeline;
  return modelPipeline(view.source('model')?.node);
}
