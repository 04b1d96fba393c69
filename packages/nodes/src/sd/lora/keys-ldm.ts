/**
 * LDM / sgm UNet block names (used by kohya SDXL LoRAs: `input_blocks`, `middle_block`,
 * `output_blocks`) → diffusers block names, still in kohya's `_`-joined form.
 *
 * Block arithmetic from diffusers `lora_conversion_utils.py` `_maybe_map_sgm_blocks_to_diffusers`
 * (diffusers `lora_conversion_utils.py` `_convert_non_diffusers_lora_to_diffusers`), with `lpb` = the UNet's `layers_per_block`:
 *   input_blocks.i.j  → down_blocks.{(i-1)//(lpb+1)}.{resnets|attentions}.{(i-1)%(lpb+1)}, `op` → downsamplers.0.conv
 *   middle_block.0/1/2 → mid_block.resnets.0 / attentions.0 / resnets.1
 *   output_blocks.i.j → up_blocks.{i//(lpb+1)}.{resnets|attentions|upsamplers}.{i%(lpb+1)} (upsamplers: 0)
 * and the resnet renames of `_convert_unet_lora_key`: in_layers.2→conv1, out_layers.3→conv2,
 * emb_layers.1→time_emb_proj, skip_connection→conv_shortcut; time_embed.0/2→time_embedding.linear_1/2,
 * label_emb.0.0/2→add_embedding.linear_1/2, input_blocks.0.0→conv_in, out.2→conv_out.
 */

const RESNET_RENAMES: [RegExp, string][] = [
  [/^in_layers_2(?=_|$)/, 'conv1'],
  [/^out_layers_3(?=_|$)/, 'conv2'],
  [/^emb_layers_1(?=_|$)/, 'time_emb_proj'],
  [/^skip_connection(?=_|$)/, 'conv_shortcut'],
];

const TOP_LEVEL: [RegExp, string][] = [
  [/^time_embed_0(?=_|$)/, 'time_embedding_linear_1'],
  [/^time_embed_2(?=_|$)/, 'time_embedding_linear_2'],
  [/^label_emb_0_0(?=_|$)/, 'add_embedding_linear_1'],
  [/^label_emb_0_2(?=_|$)/, 'add_embedding_linear_2'],
  [/^input_blocks_0_0(?=_|$)/, 'conv_in'],
  [/^out_2(?=_|$)/, 'conv_out'],
];

/** True when a kohya UNet stem uses LDM block names. */
export function isLdmStem(stem: string): boolean {
  return /^(?:input_blocks|middle_block|output_blocks|time_embed|label_emb|out_2)(?:_|$)/.test(stem);
}

/** Converts an LDM-named kohya UNet stem (prefix removed) to the diffusers `_`-joined stem. */
export function ldmToDiffusersStem(stem: string, layersPerBlock: number): string | undefined {
  for (const [re, to] of TOP_LEVEL) if (re.test(stem)) return stem.replace(re, to);
  const n = layersPerBlock + 1;
  let m = /^input_blocks_(\d+)_(\d+)_(.+)$/.exec(stem);
  if (m) {
    const i = Number(m[1]) - 1;
    const rest = m[3]!;
    const block = `down_blocks_${Math.floor(i / n)}`;
    if (/^op(?:_|$)/.test(rest)) return `${block}_downsamplers_0_conv${rest.slice(2)}`;
    return `${block}_${m[2] === '0' ? 'resnets' : 'attentions'}_${i % n}_${renameResnet(rest)}`;
  }
  m = /^middle_block_(\d)_(.+)$/.exec(stem);
  if (m) {
    const part = ['resnets_0', 'attentions_0', 'resnets_1'][Number(m[1])];
    return part ? `mid_block_${part}_${renameResnet(m[2]!)}` : undefined;
  }
  m = /^output_blocks_(\d+)_(\d+)_(.+)$/.exec(stem);
  if (m) {
    const i = Number(m[1]);
    const rest = m[3]!;
    const block = `up_blocks_${Math.floor(i / n)}`;
    if (m[2] === '0') return `${block}_resnets_${i % n}_${renameResnet(rest)}`;
    // j ≥ 1 is the attention, or the upsampler (whose only layer is `conv`) in blocks without attention.
    if (/^conv(?:_|$)/.test(rest)) return `${block}_upsamplers_0_${rest}`;
    return `${block}_attentions_${i % n}_${rest}`;
  }
  return undefined;
}

function renameResnet(rest: string): string {
  for (const [re, to] of RESNET_RENAMES) if (re.test(rest)) return rest.replace(re, to);
  return rest;
}
