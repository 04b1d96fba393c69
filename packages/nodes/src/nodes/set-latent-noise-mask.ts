/** SetLatentNoiseMask: limits sampling to a masked region (ComfyUI's "Set Latent Noise Mask"). */
import { defineNode } from '@loom/engine';
import { LATENT, MASK } from '../ports.ts';
import { noiseMaskFromMask } from '../sd/latent-ops/noise-mask.ts';

export const setLatentNoiseMaskNode = () =>
  defineNode({
    type: 'SetLatentNoiseMask',
    category: 'latent/inpaint',
    description:
      "ComfyUI's Set Latent Noise Mask: KSampler only changes the latent where the mask is 1 (the rest keeps the input). The mask is resized bilinearly to the latent and repeated to its batch, as ComfyUI does at sampling time.",
    inputs: { latent: { type: LATENT }, mask: { type: MASK } },
    params: {},
    outputs: { latent: LATENT },
    run: ({ latent, mask }) => ({ latent: { ...latent, noiseMask: noiseMaskFromMask(mask, latent.shape) } }),
  });
