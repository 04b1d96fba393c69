/**
 * Prompt → conditioning. SD1.x: the encoder's `last_hidden_state`. SDXL: the penultimate hidden state of
 * both encoders concatenated on the feature axis, plus encoder 2's pooled `text_embeds`
 * (diffusers pipeline_stable_diffusion_xl.py `encode_prompt`; ONNX output names per Optimum, see
 * SD-ONNX-FACTS §1.3). Long prompts run in 77-token windows whose outputs are concatenated, with
 * A1111 emphasis weights applied per window.
 */
import type * as ort from 'onnxruntime-node';
import { LoomError, type NodeContext } from '@loom/engine';
import type { ClipHandle, Conditioning } from '../ports.ts';
import { idsTensor, readFloats, requireInput } from '../runtime/tensors.ts';
import { ClipTokenizer } from './tokenizer/index.ts';
import { applyTokenWeights, emptyChunk, encodeWeightedPrompt, encodeWeightedPromptDual, type PromptChunk } from './prompt/index.ts';
import type { ModelRunner } from './model-session.ts';

export async function loadTokenizer(ctx: NodeContext, dir: string): Promise<ClipTokenizer> {
  return ctx.objects.getOrCreate(`tokenizer|${dir}`, async () => {
    try {
      return { value: await ClipTokenizer.fromDir(dir), bytes: 16 * 1024 * 1024 };
    } catch (err) {
      throw new LoomError('UNSUPPORTED_MODEL', `Cannot load the tokenizer in ${dir}: ${(err as Error).message}`, { cause: err });
    }
  });
}

/** The output that holds the features SD conditions on: `last_hidden_state` (SD1.x) or the penultimate hidden state (SDXL). */
export function featureOutput(session: ort.InferenceSession, family: 'sd15' | 'sdxl', model: string): string {
  if (family === 'sd15') return 'last_hidden_state';
  const layers = session.outputNames.flatMap((name) => /^hidden_states\.(\d+)$/.exec(name)?.[1] ?? []).map(Number);
  if (layers.length === 0) {
    throw new LoomError('UNSUPPORTED_MODEL', `${model} has no hidden_states.N outputs; SDXL text encoders must be exported with output_hidden_states (Optimum does this).`);
  }
  // hidden_states.0 is the embedding output, hidden_states.L the last layer: diffusers' hidden_states[-2] is L-1.
  return `hidden_states.${Math.max(...layers) - 1}`;
}

async function runWindow(encoder: ModelRunner, chunk: PromptChunk, outputs: string[]): Promise<Record<string, Float32Array>> {
  const ids = requireInput(encoder.session, 'input_ids', encoder.path);
  const result = await encoder.run({ input_ids: idsTensor(ids.type, chunk.ids, [1, chunk.ids.length]) }, outputs);
  return Object.fromEntries(outputs.map((name) => [name, readFloats(result[name] as ort.Tensor)]));
}

/** Per-window features [77, dim] for each encoder, weighted; SDXL concatenates the two encoders per token. */
export async function encodePrompt(clip: ClipHandle, encoders: ModelRunner[], text: string, ctx: NodeContext): Promise<Conditioning> {
  const { family, textEncoders } = clip.pipeline;
  const tokenizers = await Promise.all(textEncoders.map((e) => loadTokenizer(ctx, e.tokenizerDir)));
  const windowsPerEncoder =
    family === 'sd15'
      ? [encodeWeightedPrompt(text, tokenizers[0] as ClipTokenizer).chunks]
      : (({ first, second }) => [first.chunks, second.chunks])(encodeWeightedPromptDual(text, tokenizers[0] as ClipTokenizer, tokenizers[1] as ClipTokenizer));
  const featureNames = encoders.map((e) => featureOutput(e.session, family, e.path));
  const windows = windowsPerEncoder[0]?.length ?? 0;
  const dims: number[] = [];
  const perEncoder: Float32Array[][] = [];
  let pooled: Float32Array | undefined;
  for (const [e, encoder] of encoders.entries()) {
    const feature = featureNames[e] as string;
    const wantPooled = family === 'sdxl' && e === 1;
    const parts: Float32Array[] = [];
    for (let w = 0; w < windows; w++) {
      ctx.throwIfCancelled();
      const chunk = windowsPerEncoder[e]?.[w] as PromptChunk;
      const out = await runWindow(encoder, chunk, wantPooled ? [feature, 'text_embeds'] : [feature]);
      const hidden = out[feature] as Float32Array;
      const dim = hidden.length / chunk.ids.length;
      dims[e] = dim;
      parts.push(applyTokenWeights(hidden, chunk.ids.length, dim, chunk.weights));
      // SDXL pools the first window, as ComfyUI and A1111 do for long prompts.
      if (wantPooled && w === 0) pooled = out.text_embeds;
    }
    perEncoder.push(parts);
  }
  const padParts = await Promise.all(
    encoders.map(async (encoder, e) => {
      const out = await runWindow(encoder, emptyChunk(tokenizers[e] as ClipTokenizer), [featureNames[e] as string]);
      return out[featureNames[e] as string] as Float32Array;
    }),
  );
  const windowTokens = windowsPerEncoder[0]?.[0]?.ids.length ?? 77;
  return {
    kind: 'conditioning',
    family,
    embeds: concatFeatures(perEncoder, windowTokens),
    tokens: windows * windowTokens,
    dim: dims.reduce((a, b) => a + b, 0),
    ...(pooled && { pooled }),
    padWindow: concatFeatures(padParts.map((p) => [p]), windowTokens),
    empty: text.trim() === '',
    prompt: text,
  };
}

/** [encoder][window] blocks of [tokens, dim_e] → one [windows·tokens, Σ dim_e] array. */
function concatFeatures(perEncoder: Float32Array[][], tokens: number): Float32Array {
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
