/**
 * UNet2DConditionModel (SD1.x, SD2.x, SDXL, inpainting's 9 input channels) as an ONNX graph with
 * the I/O of Optimum's UNet export (UNetOnnxConfig): `sample [batch, C, h, w]`, `timestep [batch]`
 * (float32), `encoder_hidden_states [batch, seq, D]`, and for SDXL `text_embeds`, `time_ids`
 * → `out_sample`. The runtime reads dtypes and ranks from the session (sd/unet.ts), so this accepts a
 * per-row timestep like the diffusers script's export.
 *
 * Forward: diffusers/models/unets/unet_2d_condition.py `forward` (time embedding, text_time added
 * embedding, down path collecting skips, mid block, up path popping them, upsampling to the skip's
 * size when the latent is not a multiple of 2^(blocks-1)).
 */
import { LoomError } from '@loom/engine';
import { Elem, GraphBuilder } from './graph.ts';
import { conv, groupNorm, linear, silu, type ComponentOptions } from './layers.ts';
import { ModuleWeights } from './module-weights.ts';
import { blockPlans, parseUNetConfig, type UNetConfig } from './unet-config.ts';
import { resnet, transformer2d, upsampleTo, type BlockContext } from './blocks.ts';
import type { WeightSource } from '../weights/weight-source.ts';

/**
 * diffusers embeddings.get_timestep_embedding: exp(-ln(max_period)·i / (half − shift)) frequencies,
 * [sin, cos] (flipped to [cos, sin] when flip_sin_to_cos), computed in float32 like torch.
 */
function timestepEmbedding(g: GraphBuilder, t: string, dim: number, flip: boolean, shift: number): string {
  if (dim % 2 === 1) throw new LoomError('UNSUPPORTED_MODEL', `UNet config: an odd timestep embedding size (${dim}) is not supported.`);
  const half = dim / 2;
  // float32 at every step, as torch's `-math.log(max_period) * arange(half, dtype=float32) / (half - shift)`
  const c = Math.fround(-Math.log(10000));
  const d = Math.fround(half - shift);
  const freqs = Float32Array.from({ length: half }, (_, i) => Math.exp(Math.fround(Math.fround(c * i) / d)));
  const args = g.op('Mul', [g.op('Unsqueeze', [t, g.int64([1])]), g.float32(freqs, [1, half])]);
  const sin = g.op('Sin', [args]);
  const cos = g.op('Cos', [args]);
  const emb = g.op('Concat', flip ? [cos, sin] : [sin, cos], { axis: { i: -1 } });
  return g.float === Elem.FLOAT ? emb : g.op('Cast', [emb], { to: { i: g.float } });
}

/** TimestepEmbedding `m`: linear_1 → SiLU → linear_2. */
function embedMlp(b: BlockContext, x: string, m: string): string {
  return linear(b.g, b.w, silu(b.g, linear(b.g, b.w, x, `${m}.linear_1`)), `${m}.linear_2`);
}

/** Builds the UNet graph from a diffusers config and weights in diffusers naming. */
export function buildUnet(config: unknown, weights: WeightSource, options: ComponentOptions = {}): GraphBuilder {
  const c: UNetConfig = parseUNetConfig(config, weights.origin);
  const g = new GraphBuilder(options.fp16 ? Elem.FLOAT16 : Elem.FLOAT);
  const w = new ModuleWeights(weights, 'unet');
  const b: BlockContext = { g, w, groups: c.norm_num_groups, attention: options.attention ?? 'mha' };
  const plans = blockPlans(c);
  const boc = c.block_out_channels;
  const f = g.float;
  const inChannels = w.shape('conv_in.weight')[1]!;
  let sample = g.input('sample', f, ['batch_size', inChannels, 'height', 'width']);
  const timestep = g.input('timestep', Elem.FLOAT, ['batch_size']);
  const context = g.input('encoder_hidden_states', f, ['batch_size', 'sequence_length', contextDim(c, w)]);

  // timesteps.expand(sample.shape[0]): a single timestep serves the whole batch
  const t = g.op('Expand', [timestep, g.op('Slice', [g.op('Shape', [sample]), g.int64([0]), g.int64([1])])]);
  let emb = embedMlp(b, timestepEmbedding(g, t, boc[0]!, c.flip_sin_to_cos, c.freq_shift), 'time_embedding');
  if (c.addition_embed_type === 'text_time') {
    const addDim = c.addition_time_embed_dim ?? 256;
    const pooledDim = w.shape('add_embedding.linear_1.weight')[1]! - 6 * addDim;
    const textEmbeds = g.input('text_embeds', f, ['batch_size', pooledDim]);
    const timeIds = g.input('time_ids', f, ['batch_size', 6]);
    const ids32 = f === Elem.FLOAT ? timeIds : g.op('Cast', [timeIds], { to: { i: Elem.FLOAT } });
    const flat = timestepEmbedding(g, g.op('Reshape', [ids32, g.int64([-1])]), addDim, c.flip_sin_to_cos, c.freq_shift);
    const rows = g.op('Concat', [g.op('Slice', [g.op('Shape', [textEmbeds]), g.int64([0]), g.int64([1])]), g.int64([-1])], { axis: { i: 0 } });
    const added = g.op('Concat', [textEmbeds, g.op('Reshape', [flat, rows])], { axis: { i: -1 } });
    emb = g.op('Add', [emb, embedMlp(b, added, 'add_embedding')]);
  }
  const tembAct = silu(g, emb);

  if (c.center_input_sample) sample = g.op('Sub', [g.op('Mul', [sample, g.floats([2], [])]), g.floats([1], [])]);
  let h = conv(g, w, sample, 'conv_in');
  const skips = [h];
  plans.down.forEach((plan, i) => {
    g.scope(`down_blocks.${i}`, () => {
      for (let j = 0; j < plan.layers; j++) {
        h = resnet(b, h, `down_blocks.${i}.resnets.${j}`, c.norm_eps, tembAct);
        if (plan.attention) h = transformer2d(b, h, `down_blocks.${i}.attentions.${j}`, plan.heads, plan.depth[j]!, context, c.use_linear_projection);
        skips.push(h);
      }
      if (i < boc.length - 1) {
        h = conv(g, w, h, `down_blocks.${i}.downsamplers.0.conv`, 2);
        skips.push(h);
      }
    });
  });
  h = g.scope('mid_block', () => {
    let m = resnet(b, h, 'mid_block.resnets.0', c.norm_eps, tembAct, c.mid_block_scale_factor);
    m = transformer2d(b, m, 'mid_block.attentions.0', plans.mid.heads, plans.mid.depth[0]!, context, c.use_linear_projection);
    return resnet(b, m, 'mid_block.resnets.1', c.norm_eps, tembAct, c.mid_block_scale_factor);
  });
  plans.up.forEach((plan, i) => {
    g.scope(`up_blocks.${i}`, () => {
      for (let j = 0; j < plan.layers; j++) {
        h = g.op('Concat', [h, skips.pop()!], { axis: { i: 1 } });
        h = resnet(b, h, `up_blocks.${i}.resnets.${j}`, c.norm_eps, tembAct);
        if (plan.attention) h = transformer2d(b, h, `up_blocks.${i}.attentions.${j}`, plan.heads, plan.depth[j]!, context, c.use_linear_projection);
      }
      if (i < boc.length - 1) h = conv(g, w, upsampleTo(g, h, skips[skips.length - 1]!), `up_blocks.${i}.upsamplers.0.conv`);
    });
  });
  const out = conv(g, w, silu(g, groupNorm(g, w, h, 'conv_norm_out', c.norm_num_groups, c.norm_eps)), 'conv_out');
  g.output(out, 'out_sample', f, ['batch_size', w.shape('conv_out.weight')[0]!, 'height', 'width']);
  return g;
}

/** The width of `encoder_hidden_states`: the first cross-attention's key input size. */
function contextDim(c: UNetConfig, w: ModuleWeights): number {
  const key = 'mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight';
  return w.has(key) ? w.shape(key)[1]! : Array.isArray(c.cross_attention_dim) ? c.cross_attention_dim[0]! : c.cross_attention_dim;
}
