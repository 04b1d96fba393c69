/**
 * AutoencoderKL's encoder and decoder as ONNX graphs with Optimum's I/O (VaeEncoderOnnxConfig,
 * VaeDecoderOnnxConfig): `sample [batch, 3, H, W]` → `latent_parameters` (mean ‖ logvar, after
 * quant_conv), and `latent_sample [batch, 4, h, w]` → `sample` (after post_quant_conv). The scaling
 * factor stays outside the graph, as in the exports (the runtime applies it, sd/vae.ts).
 *
 * Math: diffusers/models/autoencoders/vae.py Encoder/Decoder, unet_2d_blocks.py DownEncoderBlock2D,
 * UpDecoderBlock2D, UNetMidBlock2D (one head over all channels, group-normed, residual).
 */
import { z } from 'zod';
import { Elem, GraphBuilder } from './graph.ts';
import { parseConfig } from './parse-config.ts';
import { conv, groupNorm, silu, type ComponentOptions } from './layers.ts';
import { ModuleWeights } from './module-weights.ts';
import { attentionModule, fromTokens, resnet, toTokens, upsample2x, type BlockContext } from './blocks.ts';
import type { WeightSource } from '../weights/weight-source.ts';

const VaeConfig = z.looseObject({
  block_out_channels: z.array(z.number().int().positive()),
  layers_per_block: z.number().int().positive().default(1),
  norm_num_groups: z.number().int().positive().default(32),
  latent_channels: z.number().int().positive().default(4),
  use_quant_conv: z.boolean().default(true),
  use_post_quant_conv: z.boolean().default(true),
  mid_block_add_attention: z.boolean().default(true),
});
export type VaeConfig = z.infer<typeof VaeConfig>;

const EPS = 1e-6;

function context(config: unknown, weights: WeightSource, component: string, options: ComponentOptions): { c: VaeConfig; b: BlockContext } {
  const c = parseConfig(VaeConfig, config, weights.origin, 'VAE', 'AutoencoderKL');
  const g = new GraphBuilder(options.fp16 ? Elem.FLOAT16 : Elem.FLOAT);
  return { c, b: { g, w: new ModuleWeights(weights, component), groups: c.norm_num_groups, attention: options.attention ?? 'mha' } };
}

/** UNetMidBlock2D `m`: resnet, single-head attention (residual), resnet. */
function midBlock(b: BlockContext, x: string, m: string, withAttention: boolean): string {
  const { g, w } = b;
  let h = resnet(b, x, `${m}.resnets.0`, EPS);
  if (withAttention) {
    const a = `${m}.attentions.0`;
    const tokens = toTokens(g, groupNorm(g, w, h, `${a}.group_norm`, b.groups, EPS));
    h = g.op('Add', [fromTokens(g, attentionModule(b, tokens, a, 1), h), h]);
  }
  return resnet(b, h, `${m}.resnets.1`, EPS);
}

function head(b: BlockContext, x: string, m: string): string {
  return conv(b.g, b.w, silu(b.g, groupNorm(b.g, b.w, x, `${m}.conv_norm_out`, b.groups, EPS)), `${m}.conv_out`);
}

/** The VAE encoder (`encoder.*`, `quant_conv`) → `latent_parameters`. */
export function buildVaeEncoder(config: unknown, weights: WeightSource, options: ComponentOptions = {}): GraphBuilder {
  const { c, b } = context(config, weights, 'vae_encoder', options);
  const { g, w } = b;
  const x = g.input('sample', g.float, ['batch_size', w.shape('encoder.conv_in.weight')[1]!, 'height', 'width']);
  let h = conv(g, w, x, 'encoder.conv_in');
  c.block_out_channels.forEach((_, i) => {
    for (let j = 0; j < c.layers_per_block; j++) h = resnet(b, h, `encoder.down_blocks.${i}.resnets.${j}`, EPS);
    // Downsample2D(padding=0): F.pad(x, (0, 1, 0, 1)) then a stride-2 conv, i.e. pads bottom/right only
    if (i < c.block_out_channels.length - 1) h = conv(g, w, h, `encoder.down_blocks.${i}.downsamplers.0.conv`, 2, [0, 0, 1, 1]);
  });
  h = head(b, midBlock(b, h, 'encoder.mid_block', c.mid_block_add_attention), 'encoder');
  if (c.use_quant_conv) h = conv(g, w, h, 'quant_conv');
  g.output(h, 'latent_parameters', g.float, ['batch_size', 2 * c.latent_channels, 'height_latent', 'width_latent']);
  return g;
}

/** The VAE decoder (`post_quant_conv`, `decoder.*`) → `sample`. */
export function buildVaeDecoder(config: unknown, weights: WeightSource, options: ComponentOptions = {}): GraphBuilder {
  const { c, b } = context(config, weights, 'vae_decoder', options);
  const { g, w } = b;
  let h = g.input('latent_sample', g.float, ['batch_size', c.latent_channels, 'height_latent', 'width_latent']);
  if (c.use_post_quant_conv) h = conv(g, w, h, 'post_quant_conv');
  h = midBlock(b, conv(g, w, h, 'decoder.conv_in'), 'decoder.mid_block', c.mid_block_add_attention);
  c.block_out_channels.forEach((_, i) => {
    for (let j = 0; j <= c.layers_per_block; j++) h = resnet(b, h, `decoder.up_blocks.${i}.resnets.${j}`, EPS);
    if (i < c.block_out_channels.length - 1) h = conv(g, w, upsample2x(g, h), `decoder.up_blocks.${i}.upsamplers.0.conv`);
  });
  h = head(b, h, 'decoder');
  g.output(h, 'sample', g.float, ['batch_size', w.shape('decoder.conv_out.weight')[0]!, 'height', 'width']);
  return g;
}
