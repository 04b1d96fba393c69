/**
 * Prompt → conditioning. SD1.x: the encoder's `last_hidden_state` (or, with CLIP skip, an earlier layer
 * through the final norm: clip-skip.ts). SDXL: the penultimate hidden state of
 * both encoders concatenated on the feature axis, plus encoder 2's pooled `text_embeds`
 * (diffusers pipeline_stable_diffusion_xl.py `encode_prompt`; ONNX output names per Optimum, see
 * diffusers pipeline_onnx_stable_diffusion.py `_encode_prompt`). Long prompts run in 77-token windows whose outputs are
 * concatenated, with A1111 emphasis weights applied per window. Textual-inversion embeddings named by bare words (A1111)
 * run their windows through the encoder's embeds model (sd/embeddings/).
 */
import type * as ort from 'onnxruntime-node';
import { LoomError, type NodeContext } from '@loom/engine';
import type { ClipHandle, Conditioning } from '../ports.ts';
import { idsTensor, readFloats, requireInput } from '../runtime/tensors.ts';
import { ClipTokenizer } from './tokenizer/index.ts';
import type { NodePackConfig } from '../pack-config.ts';
import { applyTokenWeights, emptyChunk, encodeWeightedPrompt, encodeWeightedPromptDual, type ChunkOptions, type PromptChunk } from './prompt/index.ts';
import { a1111PromptEmbeddings } from './embeddings/load-embeddings.ts';
import type { PromptEmbeddings, WindowEmbeds } from './embeddings/prompt-embeddings.ts';
import type { ModelRunner } from './model-session.ts';
import { applyLayerNorm, featureLayer, type FeatureLayer } from './clip-skip.ts';

export async function loadTokenizer(ctx: NodeContext, dir: string): Promise<ClipTokenizer> {
  return ctx.objects.getOrCreate(`tokenizer|${dir}`, async () => {
    try {
      return { value: await ClipTokenizer.fromDir(dir), bytes: 16 * 1024 * 1024 };
    } catch (err) {
      throw new LoomError('UNSUPPORTED_MODEL', `Cannot load the tokenizer in ${dir}: ${(err as Error).message}`, { cause: err });
    }
  });
}

/** The feature layer of each of the handle's encoders, for the handle's CLIP skip (see clip-skip.ts). */
export function featureLayers(clip: ClipHandle, encoders: ModelRunner[], ctx?: Pick<NodeContext, 'objects'>): Promise<FeatureLayer[]> {
  return Promise.all(encoders.map((e) => featureLayer(e.session, e.path, clip.pipeline.family, clip.skip ?? 1, ctx)));
}

/**
 * One 77-token window through an encoder: the features of `layer` (final norm applied for CLIP skip)
 * and, when named, the pooled output. A window with embeddings runs the embeds model with their feeds.
 */
export async function runWindow(
  encoder: ModelRunner,
  chunk: PromptChunk,
  layer: FeatureLayer,
  pooled?: string,
  embeds?: WindowEmbeds,
): Promise<{ features: Float32Array; pooled?: Float32Array }> {
  const runner = embeds?.runner ?? encoder;
  const ids = requireInput(runner.session, 'input_ids', runner.path);
  const outputs = pooled ? [layer.output, pooled] : [layer.output];
  const result = await runner.run({ input_ids: idsTensor(ids.type, chunk.ids, [1, chunk.ids.length]), ...embeds?.feeds }, outputs);
  const features = readFloats(result[layer.output] as ort.Tensor);
  if (layer.norm) applyLayerNorm(features, layer.norm);
  return { features, ...(pooled && { pooled: readFloats(result[pooled] as ort.Tensor) }) };
}

/** The prompt's 77-token windows for each of the pipeline's tokenizers (SDXL: same windows, different padding). */
function promptWindows(text: string, family: 'sd15' | 'sdxl', tokenizers: ClipTokenizer[], options: ChunkOptions): PromptChunk[][] {
  const [first, second] = tokenizers as [ClipTokenizer, ClipTokenizer];
  if (family === 'sd15') return [encodeWeightedPrompt(text, first, options).chunks];
  const dual = encodeWeightedPromptDual(text, first, second, options);
  return [dual.first.chunks, dual.second.chunks];
}

/** Runs one encoder over every window, applying the emphasis weights; returns [window] blocks of [77, dim]. */
async function encodeWindows(
  encoder: ModelRunner,
  e: number,
  windows: PromptChunk[],
  layer: FeatureLayer,
  ctx: NodeContext,
  pooled?: string,
  embeddings?: PromptEmbeddings,
): Promise<{ parts: Float32Array[]; pooled?: Float32Array }> {
  const parts: Float32Array[] = [];
  let firstPooled: Float32Array | undefined;
  for (const chunk of windows) {
    ctx.throwIfCancelled();
    const out = await runWindow(encoder, chunk, layer, pooled, await embeddings?.forWindow(encoder, e, chunk));
    const hidden = out.features;
    parts.push(applyTokenWeights(hidden, chunk.ids.length, hidden.length / chunk.ids.length, chunk.weights));
    // SDXL pools the first window, as ComfyUI and A1111 do for long prompts.
    if (!firstPooled) firstPooled = out.pooled;
  }
  return { parts, ...(firstPooled && { pooled: firstPooled }) };
}

/** Prompt → conditioning; see the module doc. With `config`, bare words naming files in models/embeddings are embeddings. */
export async function encodePrompt(clip: ClipHandle, encoders: ModelRunner[], text: string, ctx: NodeContext, config?: NodePackConfig): Promise<Conditioning> {
  const { family, textEncoders } = clip.pipeline;
  const tokenizers = await Promise.all(textEncoders.map((e) => loadTokenizer(ctx, e.tokenizerDir)));
  const found = config && (await a1111PromptEmbeddings(clip, text, tokenizers[0] as ClipTokenizer, config, ctx));
  const windows = promptWindows(text, family, tokenizers, found ? { embeddings: found.matcher } : {});
  const layers = await featureLayers(clip, encoders, ctx);
  const encoded = await Promise.all(
    encoders.map((encoder, e) =>
      encodeWindows(encoder, e, windows[e] ?? [], layers[e] as FeatureLayer, ctx, family === 'sdxl' && e === 1 ? 'text_embeds' : undefined, found?.embeddings),
    ),
  );
  const used = found?.embeddings.used() ?? [];
  const padParts = await Promise.all(
    encoders.map(async (encoder, e) => (await runWindow(encoder, emptyChunk(tokenizers[e] as ClipTokenizer), layers[e] as FeatureLayer)).features),
  );
  const tokens = windows[0]?.[0]?.ids.length ?? 77;
  const embeds = concatFeatures(
    encoded.map((x) => x.parts),
    tokens,
  );
  const pooled = encoded.find((x) => x.pooled)?.pooled;
  return {
    kind: 'conditioning',
    family,
    embeds,
    tokens: (windows[0]?.length ?? 0) * tokens,
    dim: embeds.length / ((windows[0]?.length ?? 1) * tokens),
    ...(pooled && { pooled }),
    padWindow: concatFeatures(
      padParts.map((p) => [p]),
      tokens,
    ),
    empty: text.trim() === '',
    prompt: text,
    ...(used.length > 0 && { embeddings: used }),
  };
}

/** [encoder][window] blocks of [tokens, dim_e] → one [windows·tokens, Σ dim_e] array. */
export function concatFeatures(perEncoder: Float32Array[][], tokens: number): Float32Array {
  const windows = perEncoder[0]?.length ?? 0;
  const dims = perEncoder.map((parts) => (parts[0]?.length ?? 0) / tokens);
  const total = dims.reduce((a, b) => a + b, 0);
  const out = new Float32Array(windows * tokens * total);
  for (let w = 0; w < windows; w++) {
    for (let t = 0; t < tokens; t++) {
      let offset = (w * tokens + t) * total;
      for (const [e, parts] of perEncoder.entries()) {
        const d = dims[e] as number;
        out.set((parts[w] as Float32Array).subarray(t * d, (t + 1) * d), offset);
        offset += d;
      }
    }
  }
  return out;
}
