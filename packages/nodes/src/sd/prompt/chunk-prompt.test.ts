import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { bundledTokenizerDir } from '../tokenizer/bundled.ts';
import { chunkPrompt, padToSameChunkCount, type ChunkTokenizer } from './chunk-prompt.ts';
import { encodePromptPair, encodePromptPairDual, encodeWeightedPrompt } from './encode-prompt.ts';
import { parsePromptAttention } from './parse-attention.ts';

const sd15 = await ClipTokenizer.fromDir(bundledTokenizerDir('clip-vit-large-patch14'));
const BOS = 49406;
const EOS = 49407;
const CAT = 2368; // vocab.json "cat</w>"
const DOG = 1929; // vocab.json "dog</w>"

const words = (word: string, n: number): string => Array.from({ length: n }, () => word).join(' ');

test('a short weighted prompt: one 77-token window, weights on the emphasised tokens only', () => {
  const { chunks, tokenCount } = encodeWeightedPrompt('(cat:1.5) dog', sd15);
  assert.equal(chunks.length, 1);
  assert.equal(tokenCount, 2);
  assert.deepEqual(chunks[0]!.ids, [BOS, CAT, DOG, EOS, ...Array<number>(73).fill(EOS)]);
  assert.deepEqual(chunks[0]!.weights, [1, 1.5, 1, ...Array<number>(74).fill(1)]);
});

test('long prompts become windows of 75 tokens, each wrapped with bos/eos and padded', () => {
  const { chunks, tokenCount } = encodeWeightedPrompt(words('cat', 100), sd15);
  assert.equal(tokenCount, 100);
  assert.equal(chunks.length, 2);
  assert.deepEqual(chunks[0]!.ids, [BOS, ...Array<number>(75).fill(CAT), EOS]);
  assert.deepEqual(chunks[1]!.ids, [BOS, ...Array<number>(25).fill(CAT), EOS, ...Array<number>(50).fill(EOS)]);
  assert.equal(encodeWeightedPrompt(words('cat', 75), sd15).chunks.length, 1); // exactly full: no extra window
  assert.equal(encodeWeightedPrompt(words('cat', 76), sd15).chunks.length, 2);
  assert.equal(encodeWeightedPrompt('', sd15).chunks.length, 1); // the empty prompt is one window
});

test('BREAK closes the window early', () => {
  const { chunks } = encodeWeightedPrompt('cat BREAK dog', sd15);
  assert.equal(chunks.length, 2);
  assert.deepEqual(chunks[0]!.ids.slice(0, 4), [BOS, CAT, EOS, EOS]);
  assert.deepEqual(chunks[1]!.ids.slice(0, 4), [BOS, DOG, EOS, EOS]);
});

test('positive and negative are padded to the same window count with empty windows', () => {
  const { positive, negative } = encodePromptPair(words('cat', 80), 'dog', sd15);
  assert.equal(positive.chunks.length, 2);
  assert.equal(negative.chunks.length, 2);
  assert.deepEqual(negative.chunks[1]!.ids, [BOS, EOS, ...Array<number>(75).fill(EOS)]); // A1111 empty_chunk
  assert.ok(negative.chunks[1]!.weights.every((w) => w === 1));
});

test('SDXL: both tokenizers get the same windows, tokenizer_2 pads with id 0', async () => {
  const tok2 = await ClipTokenizer.fromDir(bundledTokenizerDir('clip-vit-bigg-14'));
  const { positive, negative } = encodePromptPairDual(`(${words('cat', 80)}:1.2)`, '', sd15, tok2);
  assert.equal(positive.first.chunks.length, 2);
  assert.equal(negative.second.chunks.length, 2);
  assert.deepEqual(positive.second.chunks[1]!.ids.slice(0, 8), [BOS, CAT, CAT, CAT, CAT, CAT, EOS, 0]);
  assert.deepEqual(positive.first.chunks[1]!.ids.slice(0, 8), [BOS, CAT, CAT, CAT, CAT, CAT, EOS, EOS]);
  assert.deepEqual(positive.first.chunks[1]!.weights, positive.second.chunks[1]!.weights);
  assert.equal(positive.first.chunks[1]!.weights[1], 1.2);
  assert.deepEqual(negative.second.chunks[0]!.ids.slice(0, 3), [BOS, EOS, 0]);
});

test('comma backtracking moves the words after a nearby comma into the next window', () => {
  // A toy tokenizer with 5-token windows: one id per space-separated word, "," = 100.
  const toy: ChunkTokenizer = {
    encode: (text) =>
      text
        .split(' ')
        .filter(Boolean)
        .map((w) => (w === ',' ? 100 : Number(w.slice(1)))),
    tokenToId: (symbol) => (symbol === ',</w>' ? 100 : undefined),
    bosId: 98,
    eosId: 99,
    padId: 0,
    maxLength: 7,
  };
  const fragments = parsePromptAttention('w1 w2 , w3 w4 w5 w6');
  const plain = chunkPrompt(fragments, toy).chunks.map((c) => c.ids);
  assert.deepEqual(plain, [
    [98, 1, 2, 100, 3, 4, 99],
    [98, 5, 6, 99, 0, 0, 0],
  ]);
  const backtracked = chunkPrompt(fragments, toy, { commaBacktrack: 3 }).chunks.map((c) => c.ids);
  assert.deepEqual(backtracked, [
    [98, 1, 2, 100, 99, 0, 0],
    [98, 3, 4, 5, 6, 99, 0],
  ]);
  const padded = padToSameChunkCount([chunkPrompt(parsePromptAttention(''), toy)], toy);
  assert.equal(padded[0]!.chunks.length, 1);
});
