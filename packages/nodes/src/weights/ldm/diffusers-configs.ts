/**
 * Diffusers `config.json` objects for detected single-file components, with the defaults and key
 * names of the real configs (the `config.json` files of the public stable-diffusion-v1-5 and stable-diffusion-xl-base-1.0 repositories on the Hugging Face Hub, diffusers 0.2x). Where shapes cannot
 * tell, the family convention applies unless the .yaml says otherwise: SD1.x has 8 heads per
 * attention (`num_heads: 8`, diffusers' `attention_head_dim: 8` quirk), SDXL 64-wide heads
 * (`num_head_channels: 64` → heads = width / 64 per level), GroupNorm 32 groups, CLIP 64-wide heads.
 */
import type { ModelHints } from './a1111-yaml.ts';
import type { UnetFacts } from './detect-unet.ts';

/** The base families of single-file checkpoints. */
export type Family = 'sd15' | 'sdxl';

const DIFFUSERS_VERSION = '0.27.2';

/** UNet2DConditionModel config; `pooledDim` is the second text encoder's projection width (SDXL). */
export function unetConfig(f: UnetFacts, hints: ModelHints, family: Family, pooledDim?: number): Record<string, unknown> {
  const blocks = f.channelMult.map((m) => m * f.modelChannels);
  const attn = f.depth.map((d) => d > 0);
  const headChannels = hints.numHeads === undefined ? (hints.numHeadChannels ?? (family === 'sdxl' ? 64 : undefined)) : undefined;
  const heads = headChannels === undefined ? (hints.numHeads ?? 8) : blocks.map((c) => c / headChannels);
  const config: Record<string, unknown> = {
    _class_name: 'UNet2DConditionModel',
    _diffusers_version: DIFFUSERS_VERSION,
    act_fn: 'silu',
    attention_head_dim: heads,
    block_out_channels: blocks,
    center_input_sample: false,
    class_embed_type: null,
    cross_attention_dim: f.contextDim,
    downsample_padding: 1,
    dual_cross_attention: false,
    down_block_types: attn.map((a) => (a ? 'CrossAttnDownBlock2D' : 'DownBlock2D')),
    flip_sin_to_cos: true,
    freq_shift: 0,
    in_channels: f.inChannels,
    layers_per_block: f.numResBlocks,
    mid_block_scale_factor: 1,
    mid_block_type: 'UNetMidBlock2DCrossAttn',
    norm_eps: 1e-5,
    norm_num_groups: hints.unetNormGroups ?? 32,
    num_class_embeds: null,
    only_cross_attention: false,
    out_channels: f.outChannels,
    resnet_time_scale_shift: 'default',
    sample_size: hints.imageSize ?? (family === 'sdxl' ? 128 : 64),
    up_block_types: [...attn].reverse().map((a) => (a ? 'CrossAttnUpBlock2D' : 'UpBlock2D')),
    upcast_attention: false,
    use_linear_projection: f.linearProjection,
  };
  // levels without attention count as depth 1, as the real SDXL config writes [1, 2, 10]
  if (f.depth.some((d) => d > 1)) config.transformer_layers_per_block = f.depth.map((d) => Math.max(d, 1));
  if (f.admInChannels !== undefined && pooledDim !== undefined) {
    // label_emb's input is the pooled text embedding then 6 time ids × addition_time_embed_dim
    Object.assign(config, {
      addition_embed_type: 'text_time',
      addition_embed_type_num_heads: 64,
      addition_time_embed_dim: (f.admInChannels - pooledDim) / 6,
      projection_class_embeddings_input_dim: f.admInChannels,
    });
  }
  return config;
}

/** What the shapes tell about an LDM VAE. */
export interface VaeFacts {
  readonly ch: number;
  readonly chMult: number[];
  readonly numResBlocks: number;
  readonly latentChannels: number;
  readonly inChannels: number;
  readonly outChannels: number;
}

/** AutoencoderKL config. */
export function vaeConfig(f: VaeFacts, hints: ModelHints, family: Family): Record<string, unknown> {
  const levels = f.chMult.length;
  return {
    _class_name: 'AutoencoderKL',
    _diffusers_version: DIFFUSERS_VERSION,
    act_fn: 'silu',
    block_out_channels: f.chMult.map((m) => m * f.ch),
    down_block_types: Array(levels).fill('DownEncoderBlock2D'),
    in_channels: f.inChannels,
    latent_channels: f.latentChannels,
    layers_per_block: f.numResBlocks,
    norm_num_groups: hints.vaeNormGroups ?? 32,
    out_channels: f.outChannels,
    sample_size: (hints.imageSize ?? (family === 'sdxl' ? 128 : 64)) * 2 ** (levels - 1),
    scaling_factor: hints.scaleFactor ?? (family === 'sdxl' ? 0.13025 : 0.18215),
    up_block_types: Array(levels).fill('UpDecoderBlock2D'),
    ...(family === 'sdxl' ? { force_upcast: true } : {}),
  };
}

/** What the shapes tell about a CLIP text encoder. */
export interface ClipFacts {
  readonly hidden: number;
  readonly layers: number;
  readonly intermediate: number;
  readonly vocab: number;
  readonly positions: number;
  /** text_projection output width (CLIPTextModelWithProjection only). */
  readonly projection?: number;
}

/** CLIPTextModel / CLIPTextModelWithProjection config; `gelu` for open_clip bigG, `quick_gelu` for OpenAI CLIP-L. */
export function clipConfig(f: ClipFacts, heads: number | undefined, act: 'gelu' | 'quick_gelu'): Record<string, unknown> {
  return {
    architectures: [f.projection === undefined ? 'CLIPTextModel' : 'CLIPTextModelWithProjection'],
    attention_dropout: 0,
    bos_token_id: 0,
    dropout: 0,
    eos_token_id: 2,
    hidden_act: act,
    hidden_size: f.hidden,
    initializer_factor: 1,
    initializer_range: 0.02,
    intermediate_size: f.intermediate,
    layer_norm_eps: 1e-5,
    max_position_embeddings: f.positions,
    model_type: 'clip_text_model',
    num_attention_heads: heads ?? f.hidden / 64,
    num_hidden_layers: f.layers,
    pad_token_id: 1,
    projection_dim: f.projection ?? f.hidden,
    torch_dtype: 'float32',
    vocab_size: f.vocab,
  };
}
