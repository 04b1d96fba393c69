/**
 * The UNet as a k-diffusion denoiser with ComfyUI's conditioning rules: the positive and negative prompts are
 * brought to a common token length by REPEATING each to the least common multiple of their lengths
 * (comfy/conds.py `CONDCrossAttn.concat`; repeated keys leave cross-attention unchanged, so this equals running
 * them apart), not by A1111's empty-window padding; no SDXL zeroing of an empty negative; SDXL size conditioning
 * is the latent's size with no crop (model_base.py `SDXL.encode_adm` defaults). CFG is `uncond + cfg·(cond − uncond)`,
 * applied to the prediction, which is the same affine combination as ComfyUI's on the denoised outputs.
 */
import type { Conditioning } from '../../ports.ts';
import { predictNoise } from '../unet.ts';
import type { ModelRunner } from '../model-session.ts';
import { discreteDenoiser, type Denoiser } from './denoiser.ts';
import type { ModelSampling } from './model-sampling.ts';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** `c` with its token sequence repeated to `tokens` tokens (a multiple of its own length). */
function repeatTokens(c: Conditioning, tokens: number): Conditioning {
  if (c.tokens === tokens) return c;
  const embeds = new Float32Array(tokens * c.dim);
  for (let at = 0; at < tokens; at += c.tokens) embeds.set(c.embeds, at * c.dim);
  return { ...c, embeds, tokens };
}

export interface UnetGuidance {
  positive: Conditioning;
  negative: Conditioning;
  cfg: number;
  family: 'sd15' | 'sdxl';
}

export function unetDenoiser(ms: ModelSampling, unet: ModelRunner, shape: readonly number[], g: UnetGuidance): Denoiser {
  const tokens = (g.positive.tokens * g.negative.tokens) / gcd(g.positive.tokens, g.negative.tokens);
  const height = (shape[2] as number) * 8;
  const width = (shape[3] as number) * 8;
  const guidance = {
    positive: repeatTokens(g.positive, tokens),
    negative: repeatTokens(g.negative, tokens),
    // ComfyUI skips the negative when cfg is 1 within math.isclose's relative 1e-9.
    cfg: Math.abs(g.cfg - 1) <= 1e-9 * Math.max(1, Math.abs(g.cfg)) ? 1 : g.cfg,
    ...(g.family === 'sdxl' && { timeIds: [height, width, 0, 0, height, width] }),
  };
  return discreteDenoiser(ms, (scaledInput, timestep) => predictNoise(unet, scaledInput, shape, timestep, guidance));
}
