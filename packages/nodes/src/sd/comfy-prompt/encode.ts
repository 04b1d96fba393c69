/**
 * Prompt → conditioning as ComfyUI's CLIPTextEncode computes it (comfy/sd1_clip.py
 * `ClipTokenWeightEncoder.encode_token_weights`, comfy/sdxl_clip.py `SDXLClipModel.encode_token_weights`):
 * - each window is encoded on its own and the windows are concatenated (no A1111 mean restore);
 * - if any token is weighted, the empty prompt `[bos, eos, pad…]` is encoded too and each weighted token's
 *   features are moved away from the empty prompt's at the same position: z = (z − z_empty)·w + z_empty;
 * - SD1.x conditions on the last hidden state (CLIPSetLastLayer: an earlier one, through the final norm); SDXL on the penultimate hidden states of both encoders,
 *   concatenated per token, with encoder 2's pooled projection of the FIRST window;
 * - `embedding:Name` vectors take their slots (sd/embeddings/), weighted like tokens.
 */
import { LoomError } from '@loom/engine';
import type { ClipHandle, Conditioning } from '../../ports.ts';
import type { ClipTokenizer } from '../tokenizer/index.ts';
import type { PromptChunk } from '../prompt/index.ts';
import type { ModelRunner } from '../model-session.ts';
import { concatFeatures, runWindow } from '../text-encoding.ts';
import type { FeatureLayer } from '../clip-skip.ts';
import type { PromptEmbeddings } from '../embeddings/prompt-embeddings.ts';
import { tokenizeComfyPrompt, type TokenizeOptions } from './tokenize.ts';

interface Encoded {
  parts: Float32Array[];
  empty: Float32Array;
  pooled?: Float32Array;
}

async function encodeWindows(
  encoder: ModelRunner,
  e: number,
  tokenizer: ClipTokenizer,
  windows: PromptChunk[],
  layer: FeatureLayer,
  pooledName: string | undefined,
  c: ComfyEncodeContext,
): Promise<Encoded> {
  const emptyIds = [tokenizer.bosId, tokenizer.eosId, ...Array<number>(tokenizer.maxLength - 2).fill(tokenizer.padId)];
  const empty = (await runWindow(encoder, { ids: emptyIds, weights: [] }, layer)).features;
  const weighted = windows.some((w) => w.weights.some((x) => x !== 1));
  const parts: Float32Array[] = [];
  let pooled: Float32Array | undefined;
  for (const window of windows) {
    c.checkCancelled();
    const out = await runWindow(encoder, window, layer, pooledName, await c.embeddings?.forWindow(encoder, e, window));
    const z = out.features;
    const dim = z.length / window.ids.length;
    if (weighted) {
      window.weights.forEach((w, j) => {
        if (w === 1) return;
        for (let k = j * dim; k < (j + 1) * dim; k++) z[k] = ((z[k] as number) - (empty[k] as number)) * w + (empty[k] as number);
      });
    }
    parts.push(z);
    if (!pooled) pooled = out.pooled;
  }
  return { parts, empty, ...(pooled && { pooled }) };
}

/** What the encoding needs besides the sessions: the tokenizers, each encoder's feature layer (CLIP skip), the prompt's embeddings and a cancellation check. */
export interface ComfyEncodeContext extends Pick<TokenizeOptions, 'onMissingEmbedding'> {
  tokenizers: ClipTokenizer[];
  layers: FeatureLayer[];
  embeddings?: PromptEmbeddings | undefined;
  checkCancelled: () => void;
}

export async function encodeComfyPrompt(clip: ClipHandle, encoders: ModelRunner[], text: string, c: ComfyEncodeContext): Promise<Conditioning> {
  const { family } = clip.pipeline;
  const encoded: Encoded[] = [];
  for (const [e, encoder] of encoders.entries()) {
    const tokenizer = c.tokenizers[e] as ClipTokenizer;
    const rows = c.embeddings?.rows();
    // the missing-name warning once, not once per encoder
    const windows = tokenizeComfyPrompt(text, tokenizer, {
      embeddingRows: (name) => rows?.get(name),
      ...(e === 0 && c.onMissingEmbedding && { onMissingEmbedding: c.onMissingEmbedding }),
    });
    const pooledName = family === 'sdxl' && e === 1 ? 'text_embeds' : undefined;
    encoded.push(await encodeWindows(encoder, e, tokenizer, windows, c.layers[e] as FeatureLayer, pooledName, c));
  }
  const tokens = c.tokenizers[0]?.maxLength ?? 77;
  // ComfyUI cuts SDXL's two encodings to the shorter; the tokenizers share a vocabulary, so they agree.
  const windows = Math.min(...encoded.map((x) => x.parts.length));
  const embeds = concatFeatures(
    encoded.map((x) => x.parts.slice(0, windows)),
    tokens,
  );
  const pooled = encoded.find((x) => x.pooled)?.pooled;
  const used = c.embeddings?.used() ?? [];
  if (family === 'sdxl' && !pooled) throw new LoomError('UNSUPPORTED_MODEL', `${clip.pipeline.dir}: the second SDXL text encoder has no text_embeds output.`);
  return {
    kind: 'conditioning',
    family,
    embeds,
    tokens: windows * tokens,
    dim: embeds.length / (windows * tokens),
    ...(pooled && { pooled }),
    padWindow: concatFeatures(
      encoded.map((x) => [x.empty]),
      tokens,
    ),
    empty: text.trim() === '',
    prompt: text,
    ...(used.length > 0 && { embeddings: used }),
  };
}
