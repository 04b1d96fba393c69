/**
 * A latent noise mask brought to the latent batch's shape (comfy/sampler_helpers.py `prepare_mask`): resized to the
 * latent's height and width with torch's bilinear `F.interpolate` when it is not already there (a pixel-resolution
 * mask), the channel axis broadcast, the batch repeated or cut to size (comfy/utils.py `repeat_to_batch_size`).
 */
import { LoomError } from '@loom/engine';
import { resamplePlanes } from '../upscale/resample.ts';

/** A mask as ComfyUI accepts one: [B, 1, h, w] (a LATENT's `noiseMask`), [B, C, h, w] or [B, h, w], any h × w. */
export interface SamplerMask {
  values: Float32Array;
  shape: readonly number[];
}

export function expandMask(mask: SamplerMask, shape: readonly number[]): Float32Array {
  const [batch, channels, height, width] = shape as [number, number, number, number];
  const [mb, mc, mh, mw] = (mask.shape.length === 3 ? [mask.shape[0], 1, mask.shape[1], mask.shape[2]] : mask.shape) as [number, number, number, number];
  if (mask.shape.length < 3 || mask.shape.length > 4 || (mc !== 1 && mc !== channels) || !(mb > 0) || mask.values.length !== mb * mc * mh * mw) {
    throw new LoomError(
      'PARAM_INVALID',
      `The latent's noise mask is ${mask.shape.join('×')} (${mask.values.length} values) but the latent is ${shape.join('×')}; the mask must be [B, 1, h, w] (set it with SetLatentNoiseMask).`,
      { input: 'latent_image' },
    );
  }
  const data = mh === height && mw === width ? mask.values : resamplePlanes(mask.values, mb * mc, mh, mw, height, width, 'bilinear');
  const plane = height * width;
  const out = new Float32Array(batch * channels * plane);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const from = ((b % mb) * mc + (mc === 1 ? 0 : c)) * plane;
      out.set(data.subarray(from, from + plane), (b * channels + c) * plane);
    }
  }
  return out;
}
