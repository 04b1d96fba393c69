/**
 * LDM/sgm UNetModel state-dict names (`model.diffusion_model.` stripped) → diffusers
 * UNet2DConditionModel names. The LDM model numbers its blocks flat: input_blocks[0] is conv_in,
 * then per level `layers` blocks of (ResBlock[, SpatialTransformer]) and one Downsample (not after
 * the last level); output_blocks has `layers + 1` blocks per level, the last one carrying the
 * Upsample after its (ResBlock[, SpatialTransformer]). Re-derived from CompVis
 * `ldm/modules/diffusionmodules/openaimodel.py` UNetModel.__init__ and checked against diffusers'
 * `convert_from_ckpt.py` convert_ldm_unet_checkpoint and ComfyUI's `comfy/utils.py` unet_to_diffusers.
 */

const FIXED: Record<string, string> = {
  'input_blocks.0.0': 'conv_in',
  'time_embed.0': 'time_embedding.linear_1',
  'time_embed.2': 'time_embedding.linear_2',
  'label_emb.0.0': 'add_embedding.linear_1',
  'label_emb.0.2': 'add_embedding.linear_2',
  'out.0': 'conv_norm_out',
  'out.2': 'conv_out',
};

/** ResBlock (openaimodel.py) → ResnetBlock2D (diffusers resnet.py) submodule names. */
const RESNET: Record<string, string> = {
  'in_layers.0': 'norm1',
  'in_layers.2': 'conv1',
  'emb_layers.1': 'time_emb_proj',
  'out_layers.0': 'norm2',
  'out_layers.3': 'conv2',
  skip_connection: 'conv_shortcut',
};

/** Diffusers name of one LDM UNet key, or undefined when the key is not part of the layout. */
export function ldmUnetToDiffusers(key: string, layersPerBlock: number): string | undefined {
  for (const [ldm, diffusers] of Object.entries(FIXED)) {
    if (key.startsWith(`${ldm}.`)) return diffusers + key.slice(ldm.length);
  }
  const m = /^(input_blocks|middle_block|output_blocks)\.(\d+)\.(?:(\d+)\.)?(.+)$/.exec(key);
  if (!m) return undefined;
  const [, part, blockText, subText, rest] = m as unknown as [string, string, string, string | undefined, string];
  const block = Number(blockText);
  const sub = subText === undefined ? undefined : Number(subText);
  if (part === 'middle_block') {
    // middle_block = ResBlock, SpatialTransformer, ResBlock (no sub-index: the index is the module)
    const inner = subText === undefined ? rest : `${subText}.${rest}`;
    if (block === 1) return `mid_block.attentions.0.${inner}`;
    return resnet(`mid_block.resnets.${block / 2}`, inner);
  }
  if (sub === undefined) return undefined;
  const per = layersPerBlock + 1;
  if (part === 'input_blocks') {
    const level = Math.floor((block - 1) / per);
    const pos = (block - 1) % per;
    if (pos === layersPerBlock) return rest.startsWith('op.') ? `down_blocks.${level}.downsamplers.0.conv.${rest.slice(3)}` : undefined;
    return sub === 0 ? resnet(`down_blocks.${level}.resnets.${pos}`, rest) : `down_blocks.${level}.attentions.${pos}.${rest}`;
  }
  const level = Math.floor(block / per);
  const pos = block % per;
  if (sub === 0) return resnet(`up_blocks.${level}.resnets.${pos}`, rest);
  // Upsample is the block's last module: index 1 without attention, 2 with it
  if (rest.startsWith('conv.')) return `up_blocks.${level}.upsamplers.0.${rest}`;
  return `up_blocks.${level}.attentions.${pos}.${rest}`;
}

function resnet(prefix: string, rest: string): string | undefined {
  for (const [ldm, diffusers] of Object.entries(RESNET)) {
    if (rest.startsWith(`${ldm}.`)) return `${prefix}.${diffusers}${rest.slice(ldm.length)}`;
  }
  return undefined;
}
