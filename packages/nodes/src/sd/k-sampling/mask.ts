/**
 * A latent noise mask brought to the latent batch's shape (comfy/sampler_helpers.py `prepare_mask`): the
 * channel axis broadcast, the batch repeated or cut to size (comfy/utils.py `repeat_to_batch_size`).
 * The mask must already be at latent resolution (SetLatentNoiseMask stores it so).
 */
import { LoomError } from '@loom/engine';
import type { NoiseMask } from '../../ports.ts';

export function expandMask(mask: NoiseMask, shape: readonly number[]): Float32Array {
  const [batch, channels, height, width] = shape as [number, number, number, number];
  const [mb, mc, mh, mw] = mask.shape.length === 3 ? [mask.shape[0], 1, mask.shape[1], mask.shape[2]] : mask.shape;
  if (mh !== height || mw !== width || (mc !== 1 && mc !== channels) || !mb || mask.data.length !== mb * (mc as number) * mh * mw) {
    throw new LoomError('PARAM_INVALID', `The latent's noise mask is ${mask.shape.join('×')} but the latent is ${shape.join('×')}; the mask must be [B, 1, ${height}, ${width}] at latent resolution (set it with SetLatentNoiseMask).`, { input: 'latent_image' });
  }
  const plane = height * width;
  const out = new Float32Array(batch * channels * plane);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const from = ((b % mb) * (mc as number) + (mc === 1 ? 0 : c)) * plane;
      out.set(mask.data.subarray(from, from + plane), (b * channels + c) * plane);
    }
  }
  return out;
}
