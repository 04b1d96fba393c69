/**
 * The UNet2DConditionModel config fields the graph depends on, with diffusers' defaults
 * (diffusers/models/unets/unet_2d_condition.py `__init__`), and their per-block expansion.
 * Anything the builder does not implement (class embeddings, other addition embeddings, scale-shift
 * time conditioning) is refused with a message naming the field.
 */
import { z } from 'zod';
import { LoomError } from '@loom/engine';
import { parseConfig } from './parse-config.ts';

const perBlock = z.union([z.number().int().positive(), z.array(z.number().int().positive())]);
/** transformer_layers_per_block: one number, one per block, or one list per block (one per layer). */
const layersPerBlock = z.union([z.number().int().positive(), z.array(z.union([z.number().int().positive(), z.array(z.number().int().positive())]))]);

export const UNetConfig = z.looseObject({
  in_channels: z.number().int().positive().default(4),
  out_channels: z.number().int().positive().default(4),
  flip_sin_to_cos: z.boolean().default(true),
  freq_shift: z.number().default(0),
  down_block_types: z.array(z.enum(['CrossAttnDownBlock2D', 'DownBlock2D'])),
  up_block_types: z.array(z.enum(['CrossAttnUpBlock2D', 'UpBlock2D'])),
  mid_block_type: z.literal('UNetMidBlock2DCrossAttn').nullish().default('UNetMidBlock2DCrossAttn'),
  block_out_channels: z.array(z.number().int().positive()),
  layers_per_block: perBlock.default(2),
  mid_block_scale_factor: z.number().default(1),
  norm_num_groups: z.number().int().positive().default(32),
  norm_eps: z.number().positive().default(1e-5),
  cross_attention_dim: perBlock.default(1280),
  transformer_layers_per_block: layersPerBlock.default(1),
  attention_head_dim: perBlock.default(8),
  num_attention_heads: perBlock.nullish(),
  use_linear_projection: z.boolean().default(false),
  center_input_sample: z.boolean().default(false),
  addition_embed_type: z.literal('text_time').nullish(),
  addition_time_embed_dim: z.number().int().positive().nullish(),
  projection_class_embeddings_input_dim: z.number().int().positive().nullish(),
  class_embed_type: z.null().optional(),
  resnet_time_scale_shift: z.literal('default').default('default'),
  time_embedding_type: z.literal('positional').default('positional'),
  act_fn: z.literal('silu').default('silu'),
});
export type UNetConfig = z.infer<typeof UNetConfig>;

/** One down or up block, fully expanded. */
export interface BlockPlan {
  readonly attention: boolean;
  readonly layers: number;
  /** Transformer depth per resnet/attention pair. */
  readonly depth: readonly number[];
  readonly heads: number;
  readonly crossDim: number;
}

function expand<T>(value: T | readonly T[], n: number): T[] {
  if (!Array.isArray(value)) return Array.from({ length: n }, () => value as T);
  if (value.length !== n) throw new LoomError('UNSUPPORTED_MODEL', `UNet config: a per-block list has ${value.length} entries where ${n} were expected.`);
  return [...(value as readonly T[])];
}

/** Parses `config` (a diffusers unet config.json) with a clear error naming the unsupported field. */
export function parseUNetConfig(config: unknown, origin: string): UNetConfig {
  return parseConfig(UNetConfig, config, origin, 'UNet', 'the SD1.x/SD2.x/SDXL UNet2DConditionModel');
}

/** Down blocks in order, then up blocks in order (diffusers reverses the per-block lists for the up path). */
export function blockPlans(c: UNetConfig): { down: BlockPlan[]; up: BlockPlan[]; mid: BlockPlan } {
  const n = c.block_out_channels.length;
  // diffusers keeps the historical naming bug: attention_head_dim is the number of heads when
  // num_attention_heads is unset (unet_2d_condition.py "num_attention_heads = … or attention_head_dim")
  const heads = expand(c.num_attention_heads ?? c.attention_head_dim, n);
  const layers = expand(c.layers_per_block, n);
  const cross = expand(c.cross_attention_dim, n);
  const depth = expand<number | number[]>(c.transformer_layers_per_block, n);
  const plan = (i: number, count: number, attention: boolean, d: number | number[]): BlockPlan => ({
    attention,
    layers: count,
    depth: expand(d, count),
    heads: heads[i]!,
    crossDim: cross[i]!,
  });
  const down = c.down_block_types.map((t, i) => plan(i, layers[i]!, t === 'CrossAttnDownBlock2D', depth[i]!));
  const up = c.up_block_types.map((t, j) => {
    const i = n - 1 - j;
    return plan(i, layers[i]! + 1, t === 'CrossAttnUpBlock2D', depth[i]!);
  });
  const midDepth = depth[n - 1]!;
  return { down, up, mid: plan(n - 1, 1, true, Array.isArray(midDepth) ? midDepth[0]! : midDepth) };
}
