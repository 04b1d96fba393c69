/**
 * Weighted segments → 77-token windows as ComfyUI lays them out (comfy/sd1_clip.py `SDTokenizer.tokenize_with_weights`):
 * - each space-separated word is tokenised on its own: the vocabulary's `word</w>` if present, else the BPE of the word;
 * - words are kept whole: a word that does not fit closes the window (eos, then padding) and starts the next one,
 *   unless it has 8 or more tokens, which are split across windows;
 * - every window is `[bos, tokens…, eos, pad…]`; bos, eos and padding have weight 1.
 * `embedding:name` words are textual-inversion embeddings: their N vectors form one "word" of N slots (placeholder
 * id 0) with the segment's weight. As in `SDTokenizer._try_get_embedding`, a name with no file is retried without
 * surrounding commas and the commas become the next word. A name that still has no file is reported through
 * `onMissingEmbedding` and, as issue 16 asks (ComfyUI would drop it), encoded as the plain text of the name.
 */
import type { EmbeddingSlot, PromptChunk } from '../prompt/index.ts';
import { EMBEDDING_PLACEHOLDER_ID, type ChunkTokenizer } from '../prompt/index.ts';
import { parseComfyWeights } from './parse-weights.ts';

const MAX_WORD_LENGTH = 8;
const EMBEDDING_PREFIX = 'embedding:';

export interface TokenizeOptions {
  /** The vector count of the embedding file `name` means, or undefined when there is none. */
  embeddingRows?: (name: string) => number | undefined;
  /** Called for each `embedding:name` word with no file (it is then encoded as plain text). */
  onMissingEmbedding?: (name: string) => void;
}

/** One slot of a window: a token id and its weight, and for embedding slots which vector goes there. */
type Slot = [id: number, weight: number, vector?: { name: string; row: number }];

/** The words of a prompt, with their weights, as ComfyUI splits them. */
function weightedWords(prompt: string): Array<[string, number]> {
  return parseComfyWeights(prompt).flatMap(({ text, weight }) =>
    text
      .replaceAll('\n', ' ')
      .split(' ')
      .filter((w) => w !== '')
      .map((w): [string, number] => [w, weight]),
  );
}

/** The names `embedding:` words of `prompt` may mean (each as written and without surrounding commas), to load before tokenising. */
export function embeddingWords(prompt: string): string[] {
  const names = weightedWords(prompt).flatMap(([word]) => (word.startsWith(EMBEDDING_PREFIX) ? [word.slice(EMBEDDING_PREFIX.length)] : []));
  return [...new Set(names.flatMap((n) => [n, stripCommas(n)]))].filter((n) => n !== '');
}

const stripCommas = (name: string): string => name.replace(/^,+|,+$/g, '');

/** An `embedding:` word → its slots and the text left to tokenise (see module doc). */
function embeddingWord(name: string, weight: number, options: TokenizeOptions): { slots: Slot[]; rest: string } {
  let found = name;
  let rows = options.embeddingRows?.(name);
  let rest = '';
  if (rows === undefined && stripCommas(name).length < name.length) {
    found = stripCommas(name);
    rows = options.embeddingRows?.(found);
    rest = name.slice(found.length); // ComfyUI's slice, quirks included
  }
  if (rows === undefined) {
    options.onMissingEmbedding?.(name);
    return { slots: [], rest: name };
  }
  return { slots: Array.from({ length: rows }, (_, row): Slot => [EMBEDDING_PLACEHOLDER_ID, weight, { name: found, row }]), rest };
}

/** The embedding slots of a finished window: runs of consecutive vectors of one file. */
function windowSlots(window: Slot[]): EmbeddingSlot[] {
  const out: Array<EmbeddingSlot & { from: number }> = [];
  window.forEach(([, , vector], j) => {
    if (!vector) return;
    const last = out.at(-1);
    if (last && last.name === vector.name && last.start + last.rows === j && last.from + last.rows === vector.row) last.rows++;
    else out.push({ name: vector.name, start: j, rows: 1, from: vector.row });
  });
  return out;
}

export function tokenizeComfyPrompt(prompt: string, tokenizer: ChunkTokenizer, options: TokenizeOptions = {}): PromptChunk[] {
  const groups: Slot[][] = [];
  for (const [text, weight] of weightedWords(prompt)) {
    let word = text;
    if (word.startsWith(EMBEDDING_PREFIX)) {
      const { slots, rest } = embeddingWord(word.slice(EMBEDDING_PREFIX.length), weight, options);
      if (slots.length > 0) groups.push(slots);
      if (rest === '') continue;
      word = rest;
    }
    const exact = tokenizer.tokenToId(`${word}</w>`);
    const ids = exact !== undefined ? [exact] : tokenizer.encode(word);
    groups.push(ids.map((id): Slot => [id, weight]));
  }
  const length = tokenizer.maxLength;
  const pad = (window: Slot[], count: number): void => {
    for (let i = 0; i < count; i++) window.push([tokenizer.padId, 1]);
  };
  const windows: Slot[][] = [];
  let window: Slot[] = [[tokenizer.bosId, 1]];
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
  return windows.map((w) => {
    const embeddings = windowSlots(w);
    return { ids: w.map(([id]) => id), weights: w.map(([, weight]) => weight), ...(embeddings.length > 0 && { embeddings }) };
  });
}
