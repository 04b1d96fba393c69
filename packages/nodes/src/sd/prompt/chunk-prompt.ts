/**
 * Long-prompt chunking with per-token weights, as AUTOMATIC1111 `modules/sd_hijack_clip.py`
 * (`FrozenCLIPEmbedderWithCustomWordsBase.tokenize_line`, `empty_chunk`, `process_tokens`) and Compel do it:
 * - every weighted fragment is tokenised on its own, and tokens are laid into windows of 75;
 * - each window becomes `[bos] + 75 tokens + [eos]`, short windows are filled up to 77 with the pad id
 *   (A1111 fills with eos and then overwrites everything after the first eos with `id_pad`, which is the
 *   same thing); bos, eos and padding carry weight 1;
 * - a BREAK fragment closes the current window early (an empty window if nothing was in it);
 * - an empty prompt still yields one window;
 * - the text encoder runs once per 77-token window and the outputs are concatenated along the sequence
 *   axis (A1111 `torch.hstack(zs)`; Compel likewise), so N windows give a `[1, 77·N, dim]` conditioning.
 * Optional comma backtracking (A1111 setting `comma_padding_backtrack`, default 20 there, off in Compel and
 * here by default) moves the words after a recent comma into the next window instead of cutting a phrase.
 * Textual-inversion embeddings (`options.embeddings`, A1111 `tokenize_line` with
 * `EmbeddingDatabase.find_embedding_at_position`): where the prompt's tokens spell an embedding's name, its
 * N vectors take N slots with placeholder id 0 and the fragment's weight; an embedding that does not fit in
 * the current window starts the next one, so it is never split. (A1111's backtracking leaves the embeddings
 * of moved words behind, a bug; here they move with their slots.)
 */
import { LoomError } from '@loom/engine';
import { isBreak, type PromptFragment } from './parse-attention.ts';

/** What the chunker needs from a tokenizer ({@link ClipTokenizer} satisfies it). */
export interface ChunkTokenizer {
  encode(text: string): number[];
  tokenToId(symbol: string): number | undefined;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** 77 for CLIP: windows hold `maxLength - 2` prompt tokens. */
  readonly maxLength: number;
}

/** An embedding's vectors in a window: slots `start … start + rows − 1` (indices into `ids`, bos = 0). */
export interface EmbeddingSlot {
  name: string;
  start: number;
  rows: number;
  /** The embedding's first vector in these slots (ComfyUI splits an embedding of 8+ vectors across windows); 0 if absent. */
  from?: number;
}

/** One encoder call: `ids.length === weights.length === maxLength`. */
export interface PromptChunk {
  ids: number[];
  weights: number[];
  /** Textual-inversion vectors to write over placeholder slots; absent when the window has none. */
  embeddings?: EmbeddingSlot[];
}

/** Finds an embedding whose name's tokens start at `position` (A1111 `find_embedding_at_position`). */
export interface EmbeddingMatcher {
  match(tokens: readonly number[], position: number): { name: string; tokens: number; rows: number } | undefined;
}

/** A1111's placeholder id for embedding slots; only the eos search of pooling ever reads it. */
export const EMBEDDING_PLACEHOLDER_ID = 0;

/** A prompt laid out in encoder windows. */
export interface ChunkedPrompt {
  chunks: PromptChunk[];
  /** Prompt tokens without bos/eos/padding (A1111 shows a similar count, but counts a window closed early by BREAK as 75). */
  tokenCount: number;
}

/** Options of {@link chunkPrompt}. */
export interface ChunkOptions {
  /** Move text after a comma at most this many tokens back into the next window (0 = off). */
  commaBacktrack?: number;
  /** Textual-inversion embeddings the prompt may name (A1111 bare words). */
  embeddings?: EmbeddingMatcher;
}

/** Lay weighted fragments into 77-token windows (see module doc). */
export function chunkPrompt(fragments: readonly PromptFragment[], tokenizer: ChunkTokenizer, options: ChunkOptions = {}): ChunkedPrompt {
  const windowLength = tokenizer.maxLength - 2;
  const backtrack = options.commaBacktrack ?? 0;
  const comma = tokenizer.tokenToId(',</w>');
  const chunks: PromptChunk[] = [];
  let tokenCount = 0;
  let ids: number[] = [];
  let weights: number[] = [];
  let lastComma = -1;
  let slots: EmbeddingSlot[] = [];
  const closeWindow = (): void => {
    tokenCount += ids.length;
    chunks.push(wrapWindow(ids, weights, tokenizer, slots));
    ids = [];
    weights = [];
    slots = [];
    lastComma = -1;
  };

  for (const fragment of fragments) {
    if (isBreak(fragment)) {
      closeWindow();
      continue;
    }
    const tokens = tokenizer.encode(fragment.text);
    for (let position = 0; position < tokens.length;) {
      const token = tokens[position]!;
      if (token === comma) {
        lastComma = ids.length;
      } else if (backtrack > 0 && ids.length === windowLength && lastComma !== -1 && ids.length - lastComma <= backtrack) {
        const cut = lastComma + 1;
        const movedIds = ids.slice(cut);
        const movedWeights = weights.slice(cut);
        const movedSlots = slots.filter((e) => e.start > cut).map((e) => ({ ...e, start: e.start - cut }));
        ids = ids.slice(0, cut);
        weights = weights.slice(0, cut);
        slots = slots.filter((e) => e.start <= cut);
        closeWindow();
        ids = movedIds;
        weights = movedWeights;
        slots = movedSlots;
      }
      if (ids.length === windowLength) closeWindow();
      const embedding = options.embeddings?.match(tokens, position);
      if (!embedding) {
        ids.push(token);
        weights.push(fragment.weight);
        position++;
        continue;
      }
      if (embedding.rows > windowLength)
        throw new LoomError(
          'UNSUPPORTED_MODEL',
          `Embedding ${embedding.name} has ${embedding.rows} vectors, more than the ${windowLength} tokens of a prompt window.`,
        );
      if (ids.length + embedding.rows > windowLength) closeWindow();
      slots.push({ name: embedding.name, start: ids.length + 1, rows: embedding.rows }); // + 1: bos comes first
      for (let i = 0; i < embedding.rows; i++) {
        ids.push(EMBEDDING_PLACEHOLDER_ID);
        weights.push(fragment.weight);
      }
      position += embedding.tokens;
    }
  }
  if (ids.length > 0 || chunks.length === 0) closeWindow();
  return { chunks, tokenCount };
}

/** A window holding no prompt tokens: `[bos, eos, pad…]`, all weights 1 (A1111 `empty_chunk`). */
export function emptyChunk(tokenizer: ChunkTokenizer): PromptChunk {
  return wrapWindow([], [], tokenizer);
}

/**
 * Give every prompt the same number of windows by appending empty windows to the shorter ones, so the
 * positive and negative conditionings have the same sequence length for a CFG batch (A1111 pads the
 * shorter with empty chunks, `sd_hijack_clip.py` `forward` / `pad_cond`).
 */
export function padToSameChunkCount(prompts: readonly ChunkedPrompt[], tokenizer: ChunkTokenizer): ChunkedPrompt[] {
  const target = Math.max(0, ...prompts.map((p) => p.chunks.length));
  return prompts.map((p) => ({
    tokenCount: p.tokenCount,
    chunks: [...p.chunks, ...Array.from({ length: target - p.chunks.length }, () => emptyChunk(tokenizer))],
  }));
}

function wrapWindow(ids: readonly number[], weights: readonly number[], tokenizer: ChunkTokenizer, embeddings: EmbeddingSlot[] = []): PromptChunk {
  const length = tokenizer.maxLength;
  const outIds = [tokenizer.bosId, ...ids, tokenizer.eosId];
  const outWeights = [1, ...weights, 1];
  while (outIds.length < length) {
    outIds.push(tokenizer.padId);
    outWeights.push(1);
  }
  return { ids: outIds, weights: outWeights, ...(embeddings.length > 0 && { embeddings }) };
}
