/**
 * CLIP skip: which text-encoder layer a prompt's features come from, and the final layer norm that is
 * applied after skipping.
 *
 * Semantics (A1111 modules/sd_hijack_clip.py `FrozenCLIPEmbedderWithCustomWords.encode_with_transformers`,
 * ComfyUI comfy/sd1_clip.py `SDClipModel.forward` with `layer="hidden"`): with skip k (1 = last layer),
 * SD1.x conditions on `final_layer_norm(hidden_states[-k])`; k = 1 is `last_hidden_state`. SDXL already
 * conditions on the penultimate layer without the final norm (diffusers `encode_prompt`, ComfyUI
 * sdxl_clip.py `layer_norm_hidden_state=False`), so there skip only moves further back: layer −max(k, 2).
 *
 * The layer comes from the encoder's `hidden_states.N` outputs (N = 0 embeddings … L last layer: built
 * graphs and Optimum exports with hidden states have them). The norm's weights are read from the ONNX
 * file's initializers and applied here (a few hundred floats), so no second graph is needed.
 */
import type * as ort from 'onnxruntime-node';
import { LoomError, type NodeContext } from '@loom/engine';
import { OnnxModel } from '../runtime/onnx-model/onnx-model.ts';
import type { NodeProto } from '../runtime/onnx-model/onnx-schema.ts';

/** The final layer norm's parameters, as float32. */
export interface LayerNormWeights {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly eps: number;
}

/** Where an encoder's conditioning features come from: an output, then the norm to apply (SD1.x with skip ≥ 2). */
export interface FeatureLayer {
  readonly output: string;
  readonly norm?: LayerNormWeights;
}

/** The `hidden_states.N` indices `session` outputs. */
function hiddenLayers(session: ort.InferenceSession): number[] {
  return session.outputNames.flatMap((name) => /^hidden_states\.(\d+)$/.exec(name)?.[1] ?? []).map(Number);
}

/** The output to read for skip `skip` (1 = last layer), and whether the final norm follows; see the module doc. */
export function skipOutput(session: ort.InferenceSession, family: 'sd15' | 'sdxl', skip: number, model: string): { output: string; normed: boolean } {
  if (family === 'sd15' && skip === 1) return { output: 'last_hidden_state', normed: false };
  const layers = hiddenLayers(session);
  if (layers.length === 0) {
    const why = family === 'sdxl' ? 'SDXL text encoders must be exported with output_hidden_states (Optimum does this)' : `CLIP skip ${skip} needs them`;
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${model} has no hidden_states.N outputs; ${why}. Load the model from a checkpoint or diffusers folder (Loom builds its graphs with every hidden state), or re-export it with output_hidden_states.`,
    );
  }
  const last = Math.max(...layers);
  const back = family === 'sdxl' ? Math.max(skip, 2) : skip;
  if (back > last) throw new LoomError('PARAM_INVALID', `CLIP skip ${skip} is deeper than ${model}'s ${last} layers; use 1 to ${last}.`);
  return { output: `hidden_states.${last - back + 1}`, normed: family === 'sd15' };
}

/**
 * Reads the final layer norm of the ONNX text encoder at `path`: the LayerNormalization that produces
 * `last_hidden_state`, its weight and bias initializers and its epsilon. Found through the graph, not by
 * name: torch's exporter folds identical initializers into one and reaches the others through Identity
 * nodes (an untrained-looking norm of ones and zeros shares its tensors with every other such norm).
 */
async function readFinalNorm(path: string): Promise<LayerNormWeights> {
  const model = await OnnxModel.load(path);
  const producers = new Map(model.proto.graph.node.flatMap((n) => n.output.map((o): [string, NodeProto] => [o, n])));
  const through = (name: string): { name: string; node?: NodeProto } => {
    let node = producers.get(name);
    while (node?.opType === 'Identity' && !model.initializer(name)) {
      name = node.input[0] ?? '';
      node = producers.get(name);
    }
    return { name, ...(node && { node }) };
  };
  const ln = through('last_hidden_state').node;
  const [weight, bias] = [ln?.input[1], ln?.input[2]].map((n) => (n ? through(n).name : ''));
  if (ln?.opType !== 'LayerNormalization' || !weight || !bias || !model.initializer(weight) || !model.initializer(bias)) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${path}: last_hidden_state does not come from a LayerNormalization with stored weights, so CLIP skip cannot apply the final layer norm; load the model from a checkpoint or diffusers folder instead.`,
    );
  }
  const t = await model.readFloat32([weight, bias]);
  const eps = ln.attribute.find((a) => a.name === 'epsilon')?.f ?? 1e-5; // the operator's default
  return { weight: t.get(weight) as Float32Array, bias: t.get(bias) as Float32Array, eps };
}

/**
 * The feature layer of one encoder for `skip`, with the final norm's weights when needed (cached per
 * model file in `ctx.objects` when given).
 */
export async function featureLayer(
  session: ort.InferenceSession,
  path: string,
  family: 'sd15' | 'sdxl',
  skip: number,
  ctx?: Pick<NodeContext, 'objects'>,
): Promise<FeatureLayer> {
  const { output, normed } = skipOutput(session, family, skip, path);
  if (!normed) return { output };
  const read = async () => {
    const value = await readFinalNorm(path);
    return { value, bytes: value.weight.length * 8 };
  };
  const norm = ctx ? await ctx.objects.getOrCreate(`final-layer-norm|${path}`, read) : (await read()).value;
  return { output, norm };
}

/** Applies `norm` in place to rows of `dim` features (LayerNorm over the last axis, biased variance as torch). */
export function applyLayerNorm(x: Float32Array, norm: LayerNormWeights): Float32Array {
  const dim = norm.weight.length;
  for (let r = 0; r < x.length; r += dim) {
    let mean = 0;
    for (let i = 0; i < dim; i++) mean += x[r + i] as number;
    mean /= dim;
    let variance = 0;
    for (let i = 0; i < dim; i++) variance += ((x[r + i] as number) - mean) ** 2;
    const scale = 1 / Math.sqrt(variance / dim + norm.eps);
    for (let i = 0; i < dim; i++) x[r + i] = ((x[r + i] as number) - mean) * scale * (norm.weight[i] as number) + (norm.bias[i] as number);
  }
  return x;
}
