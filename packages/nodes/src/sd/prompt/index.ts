/** Prompt emphasis parsing, 77-token windows with per-token weights, and the weight rescale. */
export { parsePromptAttention, isBreak, BREAK_WEIGHT, type PromptFragment } from './parse-attention.ts';
export {
  chunkPrompt,
  emptyChunk,
  padToSameChunkCount,
  EMBEDDING_PLACEHOLDER_ID,
  type ChunkOptions,
  type ChunkTokenizer,
  type ChunkedPrompt,
  type PromptChunk,
  type EmbeddingMatcher,
  type EmbeddingSlot,
} from './chunk-prompt.ts';
export { applyTokenWeights } from './token-weights.ts';
export { encodeWeightedPrompt, encodePromptPair, encodeWeightedPromptDual, encodePromptPairDual, type DualChunkedPrompt } from './encode-prompt.ts';
