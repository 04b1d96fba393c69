/**
 * Text → encoder windows in one call, for SD1.x (one tokenizer) and SDXL (two tokenizers that share the
 * vocabulary but pad differently: `tokenizer` with eos, `tokenizer_2` with `!` = id 0).
 */
import { chunkPrompt, padToSameChunkCount, type ChunkOptions, type ChunkTokenizer, type ChunkedPrompt } from './chunk-prompt.ts';
import { parsePromptAttention } from './parse-attention.ts';
import { LoomError } from '@loom/engine';

/** Parse A1111 emphasis and chunk the prompt for one tokenizer. */
export function encodeWeightedPrompt(prompt: string, tokenizer: ChunkTokenizer, options?: ChunkOptions): ChunkedPrompt {
  return chunkPrompt(parsePromptAttention(prompt), tokenizer, options);
}

/** Positive and negative prompt chunked for one tokenizer and padded to the same number of windows. */
export function encodePromptPair(
  positive: string,
  negative: string,
  tokenizer: ChunkTokenizer,
  options?: ChunkOptions,
): { positive: ChunkedPrompt; negative: ChunkedPrompt } {
  const [pos, neg] = padToSameChunkCount([encodeWeightedPrompt(positive, tokenizer, options), encodeWeightedPrompt(negative, tokenizer, options)], tokenizer);
  return { positive: pos!, negative: neg! };
}

/** The same prompt laid out for SDXL's two tokenizers; window boundaries agree, only padding differs. */
export interface DualChunkedPrompt {
  first: ChunkedPrompt;
  second: ChunkedPrompt;
}

/**
 * Chunk one prompt for both SDXL tokenizers. Throws if the two disagree on the window count (which only
 * happens if their vocabularies differ, and then the concatenated hidden states could not line up).
 */
export function encodeWeightedPromptDual(prompt: string, first: ChunkTokenizer, second: ChunkTokenizer, options?: ChunkOptions): DualChunkedPrompt {
  const fragments = parsePromptAttention(prompt);
  const a = chunkPrompt(fragments, first, options);
  const b = chunkPrompt(fragments, second, options);
  if (a.chunks.length !== b.chunks.length) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `SDXL tokenizers split the prompt into ${a.chunks.length} and ${b.chunks.length} windows; their vocabularies differ`,
    );
  }
  return { first: a, second: b };
}

/** {@link encodeWeightedPromptDual} for a positive/negative pair, all four padded to the same window count. */
export function encodePromptPairDual(
  positive: string,
  negative: string,
  first: ChunkTokenizer,
  second: ChunkTokenizer,
  options?: ChunkOptions,
): { positive: DualChunkedPrompt; negative: DualChunkedPrompt } {
  const pos = encodeWeightedPromptDual(positive, first, second, options);
  const neg = encodeWeightedPromptDual(negative, first, second, options);
  const [p1, n1] = padToSameChunkCount([pos.first, neg.first], first);
  const [p2, n2] = padToSameChunkCount([pos.second, neg.second], second);
  return { positive: { first: p1!, second: p2! }, negative: { first: n1!, second: n2! } };
}
