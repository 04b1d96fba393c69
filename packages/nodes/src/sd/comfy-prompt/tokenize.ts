/**
 * Weighted segments → 77-token windows as ComfyUI lays them out (comfy/sd1_clip.py `SDTokenizer.tokenize_with_weights`):
 * - each space-separated word is tokenised on its own: the vocabulary's `word</w>` if present, else the BPE of the word;
 * - words are kept whole: a word that does not fit closes the window (eos, then padding) and starts the next one,
 *   unless it has 8 or more tokens, which are split across windows;
 * - every window is `[bos, tokens…, eos, pad…]`; bos, eos and padding have weight 1.
 * `embedding:name` words are the textual-inversion seam: `resolveEmbedding` (the embeddings issue) will turn them
 * into vectors; until then, like ComfyUI with a missing file, the word is dropped with a warning.
 */
import type { PromptChunk } from '../prompt/index.ts';
import type { ChunkTokenizer } from '../prompt/index.ts';
import { parseComfyWeights } from './parse-weights.ts';

const MAX_WORD_LENGTH = 8;
const EMBEDDING_PREFIX = 'embedding:';

export interface TokenizeOptions {
  /** Called for each `embedding:name` word that is dropped. */
  onMissingEmbedding?: (name: string) => void;
}

export function tokenizeComfyPrompt(prompt: string, tokenizer: ChunkTokenizer, options: TokenizeOptions = {}): PromptChunk[] {
  const groups: Array<Array<[number, number]>> = [];
  for (const { text, weight } of parseComfyWeights(prompt)) {
    for (const word of text.replaceAll('\n', ' ').split(' ').filter((w) => w !== '')) {
      if (word.startsWith(EMBEDDING_PREFIX)) {
        options.onMissingEmbedding?.(word.slice(EMBEDDING_PREFIX.length));
        continue;
      }
      const exact = tokenizer.tokenToId(`${word}</w>`);
      const ids = exact !== undefined ? [exact] : tokenizer.encode(word);
      groups.push(ids.map((id) => [id, weight]));
    }
  }
  const length = tokenizer.maxLength;
  const pad = (window: Array<[number, number]>, count: number): void => {
    for (let i = 0; i < count; i++) window.push([tokenizer.padId, 1]);
  };
  const windows: Array<Array<[number, number]>> = [];
  let window: Array<[number, number]> = [[tokenizer.bosId, 1]];
  windows.push(window);
  for (let group of groups) {
    const large = group.length >= MAX_WORD_LENGTH;
    while (group.length > 0) {
      if (group.length + window.length > length - 1) {
        const remaining = length - window.length - 1;
        if (large) {
          window.push(...group.slice(0, remaining), [tokenizer.eosId, 1]);
          group = group.slice(remaining);
        } else {
          window.push([tokenizer.eosId, 1]);
          pad(window, remaining);
        }
        window = [[tokenizer.bosId, 1]];
        windows.push(window);
      } else {
        window.push(...group);
        group = [];
      }
    }
  }
  window.push([tokenizer.eosId, 1]);
  pad(window, length - window.length);
  return windows.map((w) => ({ ids: w.map(([id]) => id), weights: w.map(([, weight]) => weight) }));
}
