/**
 * LDM AutoencoderKL names (`first_stage_model.` stripped) → diffusers AutoencoderKL names. The LDM
 * decoder numbers `up` levels from the lowest resolution (its loop runs reversed), diffusers numbers
 * `up_blocks` in execution order. Re-derived from CompVis `ldm/modules/diffusionmodules/model.py`
 * Encoder/Decoder and checked against diffusers' convert_ldm_vae_checkpoint.
 */

const ATTN: Record<string, string> = { norm: 'group_norm', q: 'to_q', k: 'to_k', v: 'to_v', proj_out: 'to_out.0' };

/** Diffusers name of one LDM VAE key (`levels` = number of resolution levels), or undefined. */
export function ldmVaeToDiffusers(key: string, levels: number): string | undefined {
  if (/^(post_)?quant_conv\./.test(key)) return key;
  const m = /^(encoder|decoder)\.(.+)$/.exec(key);
  if (!m) return undefined;
  const side = m[1]!;
  const rest = m[2]!;
  if (/^conv_(in|out)\./.test(rest)) return key;
  if (rest.startsWith('norm_out.')) return `${side}.conv_norm_out.${rest.slice('norm_out.'.length)}`;
  let r = /^mid\.block_([12])\.(.+)$/.exec(rest);
  if (r) return `${side}.mid_block.resnets.${Number(r[1]) - 1}.${resnet(r[2]!)}`;
  r = /^mid\.attn_1\.(norm|q|k|v|proj_out)\.(.+)$/.exec(rest);
  if (r) return `${side}.mid_block.attentions.0.${ATTN[r[1]!]}.${r[2]}`;
  r = /^(down|up)\.(\d+)\.(block\.(\d+)|downsample|upsample)\.(.+)$/.exec(rest);
  if (!r) return undefined;
  const ldmLevel = Number(r[2]);
  const level = side === 'decoder' ? levels - 1 - ldmLevel : ldmLevel;
  const blocks = side === 'decoder' ? 'up_blocks' : 'down_blocks';
  if (r[4] !== undefined) return `${side}.${blocks}.${level}.resnets.${r[4]}.${resnet(r[5]!)}`;
  return `${side}.${blocks}.${level}.${r[3] === 'downsample' ? 'downsamplers' : 'upsamplers'}.0.${r[5]}`;
}

/** Whether an LDM VAE key is an attention projection stored as a 1×1 conv (diffusers keeps it as Linear). */
export function isVaeAttentionConv(key: string): boolean {
  return /\.mid\.attn_1\.(q|k|v|proj_out)\.weight$/.test(key);
}

function resnet(rest: string): string {
  return rest.startsWith('nin_shortcut.') ? `conv_shortcut.${rest.slice('nin_shortcut.'.length)}` : rest;
}
