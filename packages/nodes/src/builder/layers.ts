/**
 * The layers every component is made of, as ONNX ops chosen for onnxruntime's CPU provider
 * (measured by bench/checkpoint/op-choices-bench.ts and checkpoint-bench.ts; figures in
 * bench/results/checkpoint-op-choices.json and checkpoint.json):
 * - Linear: MatMul with the pre-transposed named weight, then Add of the bias (onnxruntime fuses
 *   MatMul+Add and prepacks constant right operands).
 * - GroupNorm: Reshape → InstanceNormalization → Reshape → Mul/Add, the decomposition torch.onnx
 *   exports (onnxruntime's fused GroupNorm contrib op is CUDA/NHWC only).
 * - LayerNorm: LayerNormalization (opset 17), which onnxruntime fuses with the residual Add.
 * - Attention: com.microsoft.MultiHeadAttention on separate Q/K/V projections (so the LoRA mapping
 *   still sees one MatMul per module), or plain MatMul/Softmax.
 * - GELU: com.microsoft.Gelu (erf form, torch's default), SiLU as x·sigmoid(x).
 */
import type { GraphBuilder } from './graph.ts';
import type { ModuleWeights } from './module-weights.ts';

/** Attention implementation (see the module doc). */
export type AttentionKind = 'mha' | 'matmul';

/** Options shared by every component builder. */
export interface ComponentOptions {
  /** Keep weights and activations in float16 (for GPU providers). Default float32, as the CPU needs. */
  readonly fp16?: boolean;
  /** Default: MultiHeadAttention in the UNet and VAE, plain attention in the text encoders. */
  readonly attention?: AttentionKind;
}

/** Linear layer `module` on the last axis of `x`. */
export function linear(g: GraphBuilder, w: ModuleWeights, x: string, module: string): string {
  const { name, outF } = w.linearWeight(g, module);
  const y = g.op('MatMul', [x, name]);
  const bias = `${module}.bias`;
  return w.has(bias) ? g.op('Add', [y, w.declare(g, bias, [outF])]) : y;
}

/**
 * 2-D convolution `module`: symmetric padding (torch `padding=`, default "same" for odd kernels) or
 * explicit ONNX `pads` [top, left, bottom, right].
 */
export function conv(g: GraphBuilder, w: ModuleWeights, x: string, module: string, stride = 1, pads?: readonly number[]): string {
  const { name, dims } = w.convWeight(g, module);
  const k = dims[2]!;
  const p = (k - 1) / 2;
  const inputs = [x, name];
  if (w.has(`${module}.bias`)) inputs.push(w.declare(g, `${module}.bias`, [dims[0]!]));
  return g.op('Conv', inputs, { kernel_shape: { ints: [k, dims[3]!] }, strides: { ints: [stride, stride] }, pads: { ints: [...(pads ?? [p, p, p, p])] } });
}

/** torch.nn.GroupNorm(groups, C, eps, affine) on `[B, C, …]` (torch/nn/functional.py group_norm). */
export function groupNorm(g: GraphBuilder, w: ModuleWeights, x: string, module: string, groups: number, eps: number): string {
  const channels = w.shape(`${module}.weight`)[0]!;
  const grouped = g.op('Reshape', [x, g.int64([0, groups, -1])]);
  const normed = g.op('InstanceNormalization', [grouped, g.floats(new Float32Array(groups).fill(1)), g.floats(new Float32Array(groups))], {
    epsilon: { f: eps },
  });
  const back = g.op('Reshape', [normed, g.op('Shape', [x])]);
  const scale = w.declare(g, `${module}.weight`, [channels, 1, 1]);
  const bias = w.declare(g, `${module}.bias`, [channels, 1, 1]);
  return g.op('Add', [g.op('Mul', [back, scale]), bias]);
}

/** torch.nn.LayerNorm over the last axis. */
export function layerNorm(g: GraphBuilder, w: ModuleWeights, x: string, module: string, eps: number): string {
  const dim = w.shape(`${module}.weight`)[0]!;
  return g.op('LayerNormalization', [x, w.declare(g, `${module}.weight`, [dim]), w.declare(g, `${module}.bias`, [dim])], {
    axis: { i: -1 },
    epsilon: { f: eps },
  });
}

/** SiLU: x·σ(x). */
export function silu(g: GraphBuilder, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [x])]);
}

/** Exact (erf) GELU, torch.nn.functional.gelu's default. */
export function gelu(g: GraphBuilder, x: string): string {
  return g.op('Gelu', [x], {}, { domain: 'com.microsoft' });
}

/**
 * Scaled dot-product attention of projected `q` `[B, S, heads·d]` over `k`, `v` `[B, L, heads·d]`,
 * scale d^-½ (diffusers Attention.get_attention_scores), plus an optional additive `mask` `[S, L]`
 * before the softmax (CLIP's causal mask); result `[B, S, heads·d]`.
 */
export function attention(g: GraphBuilder, q: string, k: string, v: string, heads: number, headDim: number, kind: AttentionKind, mask?: string): string {
  const scale = 1 / Math.sqrt(headDim);
  if (kind === 'mha') {
    const inputs = mask ? [q, k, v, '', '', g.op('Unsqueeze', [mask, g.int64([0, 1])])] : [q, k, v];
    return g.op('MultiHeadAttention', inputs, { num_heads: { i: heads }, scale: { f: scale } }, { domain: 'com.microsoft' });
  }
  const heads4 = (t: string, perm: number[]): string => g.op('Transpose', [g.op('Reshape', [t, g.int64([0, 0, heads, headDim])])], { perm: { ints: perm } });
  const scaled = g.op('Mul', [g.op('MatMul', [heads4(q, [0, 2, 1, 3]), heads4(k, [0, 2, 3, 1])]), g.floats([scale], [])]);
  const scores = mask ? g.op('Add', [scaled, mask]) : scaled;
  const out = g.op('MatMul', [g.op('Softmax', [scores], { axis: { i: -1 } }), heads4(v, [0, 2, 1, 3])]);
  return g.op('Reshape', [g.op('Transpose', [out], { perm: { ints: [0, 2, 1, 3] } }), g.int64([0, 0, heads * headDim])]);
}
