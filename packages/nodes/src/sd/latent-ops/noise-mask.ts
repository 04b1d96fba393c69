/**
 * A latent's noise mask from a MASK, the way ComfyUI's sampler prepares `noise_mask`
 * (comfy/sampler_helpers.py `prepare_mask`): bilinear interpolation (torch, align_corners=False) to the
 * latent's h×w, then repeated or cut to the latent's batch (comfy/utils.py `repeat_to_batch_size`).
 * Loom does this where the mask is set, so every LATENT's `noiseMask` is already at latent size.
 */
import type { Latent, Mask, NoiseMask } from '../../ports.ts';
import { resamplePlanes } from '../upscale/resample.ts';

/** Planes [n, h, w] resized to [n, oh, ow] bilinearly, then repeated / cut to `batch` planes. */
export function noiseMaskOf(values: Float32Array, planes: number, h: number, w: number, latentShape: Latent['shape']): NoiseMask {
  const [batch, , oh, ow] = latentShape;
  const resized = h === oh && w === ow ? values : resamplePlanes(values, planes, h, w, oh, ow, 'bilinear');
  const plane = oh * ow;
  const out = new Float32Array(batch * plane);
  for (let b = 0; b < batch; b++) out.set(resized.subarray((b % planes) * plane, ((b % planes) + 1) * plane), b * plane);
  return { values: out, shape: [batch, 1, oh, ow] };
}

export const noiseMaskFromMask = (mask: Mask, latentShape: Latent['shape']): NoiseMask =>
  noiseMaskOf(mask.values, mask.shape[0], mask.shape[1], mask.shape[2], latentShape);

/** A latent resized to `shape` keeps its mask, resized the same way ComfyUI would at sampling time. */
export function resizedNoiseMask(latent: Latent, shape: Latent['shape']): Pick<Latent, 'noiseMask'> {
  const mask = latent.noiseMask;
  if (!mask) return {};
  return { noiseMask: noiseMaskOf(mask.values, mask.shape[0], mask.shape[2], mask.shape[3], shape) };
}
