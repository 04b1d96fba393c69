/**
 * Text-encoder names in single-file checkpoints → transformers CLIPTextModel(WithProjection) names.
 *
 * - SD1.x `cond_stage_model.transformer.*` and SDXL `conditioner.embedders.0.transformer.*` are
 *   already transformers' CLIPTextModel (older files lack the `text_model.` level).
 * - SDXL `conditioner.embedders.1.model.*` is open_clip's text tower (open_clip `transformer.py`
 *   ResidualAttentionBlock): q/k/v packed in `attn.in_proj_*` (nn.MultiheadAttention, q then k then v),
 *   `text_projection` stored [hidden, projection] for `x @ P` where transformers' Linear stores Pᵀ.
 *   Checked against diffusers' convert_open_clip_checkpoint and ComfyUI's clip_text_transformers_convert.
 */
import type { TensorMapping } from '../mapped-source.ts';
import type { WeightInfo } from '../weight-source.ts';

/** Maps an HF-layout CLIP under `prefix` (e.g. `cond_stage_model.transformer.`). */
export function hfClipMapping(keys: readonly string[], prefix: string): Map<string, TensorMapping> {
  const out = new Map<string, TensorMapping>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    out.set(rest.startsWith('text_model.') || rest.startsWith('text_projection.') ? rest : `text_model.${rest}`, { from: key });
  }
  return out;
}

const LAYER: Record<string, string> = {
  ln_1: 'layer_norm1',
  ln_2: 'layer_norm2',
  'attn.out_proj': 'self_attn.out_proj',
  'mlp.c_fc': 'mlp.fc1',
  'mlp.c_proj': 'mlp.fc2',
};

/** Maps an open_clip text tower under `prefix` (e.g. `conditioner.embedders.1.model.`). */
export function openClipMapping(info: (key: string) => WeightInfo | undefined, keys: readonly string[], prefix: string): Map<string, TensorMapping> {
  const out = new Map<string, TensorMapping>();
  const put = (name: string, from: string, extra: Partial<TensorMapping> = {}): void => {
    if (info(prefix + from)) out.set(name, { from: prefix + from, ...extra });
  };
  put('text_model.embeddings.token_embedding.weight', 'token_embedding.weight');
  put('text_model.embeddings.position_embedding.weight', 'positional_embedding');
  put('text_model.final_layer_norm.weight', 'ln_final.weight');
  put('text_model.final_layer_norm.bias', 'ln_final.bias');
  put('text_projection.weight', 'text_projection', { transpose: true });
  for (const key of keys) {
    const m = new RegExp(`^${prefix.replaceAll('.', '\\.')}transformer\\.resblocks\\.(\\d+)\\.(.+)\\.(weight|bias)$`).exec(key);
    if (!m) continue;
    const [, layer, module, what] = m as unknown as [string, string, string, string];
    const target = `text_model.encoder.layers.${layer}`;
    if (module === 'attn.in_proj') continue;
    if (LAYER[module]) out.set(`${target}.${LAYER[module]}.${what}`, { from: key });
  }
  for (const key of keys) {
    const m = new RegExp(`^${prefix.replaceAll('.', '\\.')}transformer\\.resblocks\\.(\\d+)\\.attn\\.in_proj_(weight|bias)$`).exec(key);
    if (!m) continue;
    const width = info(key)!.shape[0]! / 3;
    ['q', 'k', 'v'].forEach((x, i) => {
      out.set(`text_model.encoder.layers.${m[1]}.self_attn.${x}_proj.${m[2]}`, { from: key, rows: [i * width, (i + 1) * width] });
    });
  }
  return out;
}
