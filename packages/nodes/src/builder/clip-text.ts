/**
 * CLIP text encoders as ONNX graphs: SD1.x's CLIP ViT-L (CLIPTextModel) and SDXL's OpenCLIP bigG with
 * its pooled projection (CLIPTextModelWithProjection), with the I/O of Optimum's exports
 * (optimum/exporters/onnx/model_configs.py CLIPTextOnnxConfig / CLIPTextWithProjectionOnnxConfig):
 * int64 `input_ids [batch, seq]` → `last_hidden_state`, `pooler_output` (or `text_embeds`), and every
 * `hidden_states.N` (N = 0 embeddings … L last layer), so the SDXL runtime can read the penultimate
 * layer and CLIP skip can pick any.
 *
 * Math: transformers/models/clip/modeling_clip.py (CLIPTextTransformer.forward, CLIPEncoderLayer,
 * CLIPAttention with q scaled before the product, causal mask of finfo.min above the diagonal,
 * pooling at argmax(input_ids) for configs with eos_token_id 2 — every SD/SDXL config).
 */
import { z } from 'zod';
import { Elem, GraphBuilder } from './graph.ts';
import { parseConfig } from './parse-config.ts';
import { attention, gelu, layerNorm, linear, type ComponentOptions } from './layers.ts';
import { ModuleWeights } from './module-weights.ts';
import type { WeightSource } from '../weights/weight-source.ts';

/** The config.json fields the text encoder graph depends on. */
const ClipTextConfig = z.looseObject({
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  hidden_act: z.enum(['quick_gelu', 'gelu']).default('quick_gelu'),
  layer_norm_eps: z.number().positive().default(1e-5),
});
export type ClipTextConfig = z.infer<typeof ClipTextConfig>;

const MIN = { [Elem.FLOAT]: -3.4028234663852886e38, [Elem.FLOAT16]: -65504 } as const;

/**
 * Builds a CLIP text encoder from `config` and `weights` (transformers names, with or without the
 * `text_model.` level). A `text_projection.weight` makes it the SDXL `text_encoder_2` flavour.
 */
export function buildTextEncoder(config: unknown, weights: WeightSource, component = 'text_encoder', options: ComponentOptions = {}): GraphBuilder {
  const c = parseConfig(ClipTextConfig, config, weights.origin, component, 'CLIPTextModel and CLIPTextModelWithProjection');
  const g = new GraphBuilder(options.fp16 ? Elem.FLOAT16 : Elem.FLOAT);
  const w = new ModuleWeights(weights, component);
  const p = w.has('text_model.embeddings.token_embedding.weight') ? 'text_model.' : '';
  const H = c.hidden_size;
  const heads = c.num_attention_heads;
  const ids = g.input('input_ids', Elem.INT64, ['batch_size', 'sequence_length']);

  const vocab = w.shape(`${p}embeddings.token_embedding.weight`)[0]!;
  const positions = w.shape(`${p}embeddings.position_embedding.weight`)[0]!;
  const tokens = g.op('Gather', [w.declare(g, `${p}embeddings.token_embedding.weight`, [vocab, H]), ids]);
  const seq = g.op('Slice', [g.op('Shape', [ids]), g.int64([1]), g.int64([2])]);
  const pos = g.op('Slice', [w.declare(g, `${p}embeddings.position_embedding.weight`, [positions, H]), g.int64([0]), seq, g.int64([0])]);
  let h = g.op('Add', [tokens, pos]);

  // transformers _create_4d_causal_attention_mask: finfo.min strictly above the diagonal, 0 elsewhere
  const square = g.op('Concat', [seq, seq], { axis: { i: 0 } });
  const mask = g.op('Trilu', [g.op('Expand', [g.floats([MIN[g.float]], []), square]), g.int64([1], [])], { upper: { i: 1 } });

  const states = [h];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const m = `${p}encoder.layers.${i}`;
    h = g.scope(m, () => {
      const x = layerNorm(g, w, h, `${m}.layer_norm1`, c.layer_norm_eps);
      const q = linear(g, w, x, `${m}.self_attn.q_proj`);
      const k = linear(g, w, x, `${m}.self_attn.k_proj`);
      const v = linear(g, w, x, `${m}.self_attn.v_proj`);
      // plain attention by default: over 77 tokens it is a small share of the encoder's time, and it is
      // what the exports run (MultiHeadAttention with the mask as attention_bias is tested equal)
      const attn = attention(g, q, k, v, heads, H / heads, options.attention ?? 'matmul', mask);
      const r = g.op('Add', [h, linear(g, w, attn, `${m}.self_attn.out_proj`)]);
      const f = linear(g, w, layerNorm(g, w, r, `${m}.layer_norm2`, c.layer_norm_eps), `${m}.mlp.fc1`);
      const act = c.hidden_act === 'gelu' ? gelu(g, f) : g.op('Mul', [f, g.op('Sigmoid', [g.op('Mul', [f, g.floats([1.702], [])])])]);
      return g.op('Add', [r, linear(g, w, act, `${m}.mlp.fc2`)]);
    });
    states.push(h);
  }
  const last = layerNorm(g, w, h, `${p}final_layer_norm`, c.layer_norm_eps);
  // pooled = last[b, argmax(ids[b])] (legacy eos pooling; argmax over int32 as in transformers PR 18515)
  const eos = g.op('ArgMax', [g.op('Cast', [ids], { to: { i: Elem.INT32 } })], { axis: { i: -1 }, keepdims: { i: 1 } });
  const pooled = g.op('GatherND', [last, eos], { batch_dims: { i: 1 } });
  const f = g.float;
  if (w.has('text_projection.weight')) {
    const embeds = g.op('MatMul', [pooled, w.linearWeight(g, 'text_projection').name]);
    g.output(embeds, 'text_embeds', f, ['batch_size', w.shape('text_projection.weight')[0]!]);
    g.output(last, 'last_hidden_state', f, ['batch_size', 'sequence_length', H]);
  } else {
    g.output(last, 'last_hidden_state', f, ['batch_size', 'sequence_length', H]);
    g.output(pooled, 'pooler_output', f, ['batch_size', H]);
  }
  states.forEach((s, i) => g.output(s, `hidden_states.${i}`, f, ['batch_size', 'sequence_length', H]));
  return g;
}
