/**
 * What a sampler that runs one prompt per side (UNetSampler, diffusers semantics) can take from a
 * CONDITIONING: a combined one (several entries) or a latent noise mask is refused with a message that
 * names the node to use instead; an area, strength or timestep range is ignored with a warning, since
 * diffusers has no such notion. An inpainting UNet (extra mask channels) is refused too.
 */
import { LoomError, type NodeLog } from '@loom/engine';
import type { Conditioning, Latent } from '../../ports.ts';
import type { ModelRunner } from '../model-session.ts';
import { unetSampleChannels } from '../k-sampling/inpaint-concat.ts';

export function checkSingleEntry(input: 'positive' | 'negative', c: Conditioning, log: NodeLog): void {
  if (c.more && c.more.length > 0) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `Input "${input}" is a combined conditioning of ${c.more.length + 1} entries (ConditioningCombine), which UNetSampler (diffusers semantics) cannot sample; use ComfyUI's KSampler node, or ConditioningAverage/ConditioningConcat to merge prompts into one entry.`,
      { input },
    );
  }
  const ignored = [
    c.area && 'an area (ConditioningSetArea)',
    c.strength !== undefined && c.strength !== 1 && `strength ${c.strength}`,
    c.timestepRange && (c.timestepRange[0] !== 0 || c.timestepRange[1] !== 1) && 'a timestep range (ConditioningSetTimestepRange)',
  ].filter(Boolean);
  if (ignored.length > 0)
    log.warn(`UNetSampler ignores ${ignored.join(', ')} on "${input}": it applies the prompt everywhere, at every step. Use KSampler to honour them.`);
}

export function checkNoNoiseMask(latent: Latent): void {
  if (latent.noiseMask) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      'The latent carries an inpainting noise mask (SetLatentNoiseMask / VAEEncodeForInpaint), which UNetSampler does not apply; sample it with KSampler, which repaints only the masked region.',
      { input: 'latent' },
    );
  }
}

/** An inpainting UNet reads mask and masked-image channels that diffusers' txt2img loop does not feed. */
export function checkNotInpaintModel(unet: ModelRunner, latent: Latent, name: string): void {
  const channels = unetSampleChannels(unet);
  if (channels !== undefined && channels !== latent.shape[1]) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${name} is an inpainting model (its UNet takes ${channels} input channels), which UNetSampler (diffusers semantics) does not feed; sample it with KSampler, the mask set by VAEEncodeForInpaint or SetLatentNoiseMask.`,
      { input: 'model' },
    );
  }
}
