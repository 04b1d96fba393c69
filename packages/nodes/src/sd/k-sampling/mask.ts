/**
 * A latent noise mask brought to the latent batch's shape (comfy/sampler_helpers.py `prepare_mask`): resized to the
 * latent's height and width with torch's bilinear `F.interpolate` when it is not already there (a pixel-resolution
 * mask), the channel axis broadcast, the batch repeated or cut to size (comfy/utils.py `repeat_to_batch_size`).
 */
import { LoomError } from '@loom/engine';
import type { NoiseMask } from '../../ports.ts';
import { resamplePlanes } from '../upscale/resample.ts';

export function expandMask(mask: NoiseMask, shape: readonly number[]): Float32Array {
  const [batch, channels, height, width] = shape as [number, number, number, number];
  const [mb, mc, mh, mw] = (mask.shape.length === 3 ? [mask.shape[0], 1, mask.shape[1], mask.shape[2]] : mask.shape) as [number, number, number, number];
  if (mask.shape.length < 3 || mask.shape.length > 4 || (mc !== 1 && mc !== channels) || !(mb > 0) || mask.data.length !== mb * mc * mh * mw) {
    throw new LoomError('PARAM_INVALID', `The latent's noise mask is ${mask.shape.join('×')} (${mask.data.length} values) but the latent is ${shape.join('×')}; the mask must be [B, 1, h, w] (set it with SetLatentNoiseMask).`, { input: 'latent_image' });
  }
  const data = mh === height && mw === width ? mask.data : resamplePlanes(mask.data, mb * mc, mh, mw, height, width, 'bilinear');
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
