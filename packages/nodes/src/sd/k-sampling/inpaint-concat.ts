/**
 * The extra input channels of an inpainting UNet (9 = 4 noisy latent + 1 mask + 4 masked-image latent), as ComfyUI
 * builds them (comfy/model_base.py `BaseModel.concat_cond` with `set_inpaint`'s keys ("mask", "masked_image")):
 * - with a noise mask (VAEEncodeForInpaint, SetLatentNoiseMask): the mask at latent size, rounded to 0/1 (torch's
 *   round: exact halves go to even, so 0.5 → 0), then the input latent itself (ComfyUI's `latent_image`: for
 *   VAEEncodeForInpaint the encoding of the image with the masked pixels greyed out);
 * - without one: a mask of ones and `blank_inpaint_image_like`, pixel-space zero as SD1.x latents per channel.
 * The UNet is fed `[x·c_in, mask, masked latent]` (`_apply_model`: `cat([xc, c_concat], dim=1)`); an entry with an
 * area sees the same crop of these channels (comfy/conds.py `CONDNoiseShape.process_cond`).
 */
import type { Latent } from '../../ports.ts';
import type { ModelRunner } from '../model-session.ts';
import { expandMask } from './mask.ts';
import { pyRound } from './py-round.ts';

/** model_base.py `set_inpaint.blank_inpaint_image_like`: a black image's latent, per channel. */
const BLANK = [0.8223, -0.6876, 0.6364, 0.138];

/** Channels of the UNet's `sample` input when the export fixes them (Optimum and Loom's builder do). */
export function unetSampleChannels(unet: ModelRunner): number | undefined {
  const meta = unet.session.inputMetadata.find((m) => m.name === 'sample');
  const channels = meta?.isTensor ? meta.shape[1] : undefined;
  return typeof channels === 'number' ? channels : undefined;
}

/** The concat channels for `latent`, [batch, 1 + channels, h, w]. */
export function inpaintConcat(latent: Latent): Float32Array {
  const [batch, channels, h, w] = latent.shape;
  const plane = h * w;
  const out = new Float32Array(batch * (1 + channels) * plane);
  const mask = latent.noiseMask && expandMask(latent.noiseMask, latent.shape);
  for (let b = 0; b < batch; b++) {
    const at = b * (1 + channels) * plane;
    if (mask) {
      for (let p = 0; p < plane; p++) out[at + p] = pyRound(mask[b * channels * plane + p] as number, 0);
      out.set(latent.samples.subarray(b * channels * plane, (b + 1) * channels * plane), at + plane);
    } else {
      out.fill(1, at, at + plane);
      BLANK.forEach((v, c) => out.fill(v, at + (1 + c) * plane, at + (2 + c) * plane));
    }
  }
  return out;
}
