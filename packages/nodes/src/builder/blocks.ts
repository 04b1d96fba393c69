/**
 * The UNet and VAE building blocks, following diffusers (read, not copied): `models/resnet.py`
 * ResnetBlock2D (time_embedding_norm "default"), `models/transformers/transformer_2d.py`
 * Transformer2DModel (continuous input, conv or linear projections), `models/attention.py`
 * BasicTransformerBlock with GEGLU FeedForward, `models/upsampling.py` / `downsampling.py`.
 */
import type { GraphBuilder } from './graph.ts';
import { attention, conv, gelu, groupNorm, layerNorm, linear, silu, type AttentionKind } from './layers.ts';
import type { ModuleWeights } from './module-weights.ts';

/** What every block needs: the graph, the weights, GroupNorm groups and the attention kind. */
export interface BlockContext {
  readonly g: GraphBuilder;
  readonly w: ModuleWeights;
  readonly groups: number;
  readonly attention: AttentionKind;
}

/**
 * ResnetBlock2D. `tembAct` is SiLU(temb), computed once per graph (diffusers applies the same SiLU
 * in every block); undefined for the VAE, whose resnets have no time embedding.
 */
export function resnet(b: BlockContext, x: string, m: string, eps: number, tembAct?: string, outputScale = 1): string {
  const { g, w } = b;
  let h = conv(g, w, silu(g, groupNorm(g, w, x, `${m}.norm1`, b.groups, eps)), `${m}.conv1`);
  if (tembAct) h = g.op('Add', [h, g.op('Unsqueeze', [linear(g, w, tembAct, `${m}.time_emb_proj`), g.int64([2, 3])])]);
  h = conv(g, w, silu(g, groupNorm(g, w, h, `${m}.norm2`, b.groups, eps)), `${m}.conv2`);
  const shortcut = w.has(`${m}.conv_shortcut.weight`) ? conv(g, w, x, `${m}.conv_shortcut`, 1, [0, 0, 0, 0]) : x;
  const sum = g.op('Add', [shortcut, h]);
  return outputScale === 1 ? sum : g.op('Div', [sum, g.floats([outputScale], [])]);
}

/** `[B, C, H, W]` → `[B, H·W, C]`. */
export function toTokens(g: GraphBuilder, x: string): string {
  return g.op('Transpose', [g.op('Reshape', [x, g.int64([0, 0, -1])])], { perm: { ints: [0, 2, 1] } });
}

/** `[B, H·W, C]` → the shape of `like` `[B, C, H, W]`. */
export function fromTokens(g: GraphBuilder, t: string, like: string): string {
  return g.op('Reshape', [g.op('Transpose', [t], { perm: { ints: [0, 2, 1] } }), g.op('Shape', [like])]);
}

/** diffusers Attention `m` (to_q/to_k/to_v/to_out.0) on tokens `x`, over `context` (self-attention when omitted). */
export function attentionModule(b: BlockContext, x: string, m: string, heads: number, context?: string): string {
  const { g, w } = b;
  const q = linear(g, w, x, `${m}.to_q`);
  const k = linear(g, w, context ?? x, `${m}.to_k`);
  const v = linear(g, w, context ?? x, `${m}.to_v`);
  const inner = w.shape(`${m}.to_q.weight`)[0]!;
  return linear(g, w, attention(g, q, k, v, heads, inner / heads, b.attention), `${m}.to_out.0`);
}

/** BasicTransformerBlock: self-attention, cross-attention, GEGLU feed-forward, each pre-LayerNorm and residual. */
function transformerBlock(b: BlockContext, h: string, m: string, heads: number, context: string): string {
  const { g, w } = b;
  h = g.op('Add', [h, attentionModule(b, layerNorm(g, w, h, `${m}.norm1`, 1e-5), `${m}.attn1`, heads)]);
  h = g.op('Add', [h, attentionModule(b, layerNorm(g, w, h, `${m}.norm2`, 1e-5), `${m}.attn2`, heads, context)]);
  // GEGLU (attention.py): proj → chunk(2) → hidden · gelu(gate)
  const proj = linear(g, w, layerNorm(g, w, h, `${m}.norm3`, 1e-5), `${m}.ff.net.0.proj`);
  const half = w.shape(`${m}.ff.net.0.proj.weight`)[0]! / 2;
  const [hidden, gate] = g.opN('Split', [proj, g.int64([half, half])], { axis: { i: -1 } }, { outputs: 2 });
  return g.op('Add', [h, linear(g, w, g.op('Mul', [hidden!, gelu(g, gate!)]), `${m}.ff.net.2`)]);
}

/** Transformer2DModel `m` of `depth` blocks on `[B, C, H, W]`, attending to `context`. */
export function transformer2d(b: BlockContext, x: string, m: string, heads: number, depth: number, context: string, linearProjection: boolean): string {
  const { g, w } = b;
  const normed = groupNorm(g, w, x, `${m}.norm`, b.groups, 1e-6);
  let h = linearProjection ? linear(g, w, toTokens(g, normed), `${m}.proj_in`) : toTokens(g, conv(g, w, normed, `${m}.proj_in`, 1, [0, 0, 0, 0]));
  for (let i = 0; i < depth; i++) h = g.scope(`transformer_blocks.${i}`, () => transformerBlock(b, h, `${m}.transformer_blocks.${i}`, heads, context));
  const out = linearProjection ? fromTokens(g, linear(g, w, h, `${m}.proj_out`), x) : conv(g, w, fromTokens(g, h, x), `${m}.proj_out`, 1, [0, 0, 0, 0]);
  return g.op('Add', [out, x]);
}

/** Nearest-neighbour upsampling to the spatial size of `like` (torch interpolate "nearest": floor of dst·in/out). */
export function upsampleTo(g: GraphBuilder, x: string, like: string): string {
  const sizes = g.op(
    'Concat',
    [g.op('Slice', [g.op('Shape', [x]), g.int64([0]), g.int64([2])]), g.op('Slice', [g.op('Shape', [like]), g.int64([2]), g.int64([4])])],
    { axis: { i: 0 } },
  );
  return resize(g, x, ['', '', sizes]);
}

/** Nearest-neighbour 2× upsampling. */
export function upsample2x(g: GraphBuilder, x: string): string {
  return resize(g, x, ['', g.float32([1, 1, 2, 2])]);
}

function resize(g: GraphBuilder, x: string, rest: string[]): string {
  return g.op('Resize', [x, ...rest], {
    mode: { s: 'nearest' },
    coordinate_transformation_mode: { s: 'asymmetric' },
    nearest_mode: { s: 'floor' },
  });
}
