import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkPrompt, parsePromptAttention, type ChunkTokenizer } from '../prompt/index.ts';
import { tokenizeComfyPrompt } from '../comfy-prompt/tokenize.ts';
import { A1111Names } from './a1111-match.ts';

// A toy tokenizer with 5-token windows: one id per space-separated word ("w7" → 7, "," → 100, "emb" → 50 51).
const toy: ChunkTokenizer = {
  encode: (text) =>
    text
      .split(' ')
      .filter(Boolean)
      .flatMap((w) => (w === ',' ? [100] : w === 'emb' ? [50, 51] : [Number(w.slice(1))])),
  tokenToId: (symbol) => (symbol === ',</w>' ? 100 : undefined),
  bosId: 98,
  eosId: 99,
  padId: 0,
  maxLength: 7,
};

test("A1111: an embedding's vectors take slots with the fragment's weight and never straddle a window", () => {
  const names = new A1111Names(['emb'], toy);
  assert.deepEqual(names.used('w1 (emb:1.2) w2', toy), ['emb']);
  const embeddings = names.matcher(new Map([['emb', 3]]));
  const one = chunkPrompt(parsePromptAttention('w1 (emb:1.2) w2'), toy, { embeddings }).chunks;
  assert.deepEqual(
    one.map((c) => [c.ids, c.weights, c.embeddings]),
    [[[98, 1, 0, 0, 0, 2, 99], [1, 1, 1.2, 1.2, 1.2, 1, 1], [{ name: 'emb', start: 2, rows: 3 }]]],
  );
  // three words fill 3 of 5 slots: the 3-vector embedding moves to the next window whole (A1111 tokenize_line)
  const moved = chunkPrompt(parsePromptAttention('w1 w2 w3 emb'), toy, { embeddings }).chunks;
  assert.deepEqual(
    moved.map((c) => [c.ids, c.embeddings]),
    [
      [[98, 1, 2, 3, 99, 0, 0], undefined],
      [[98, 0, 0, 0, 99, 0, 0], [{ name: 'emb', start: 1, rows: 3 }]],
    ],
  );
  // comma backtracking carries the embedding with the words it moves
  const back = chunkPrompt(parsePromptAttention('w1 , emb w2'), toy, { embeddings, commaBacktrack: 4 }).chunks;
  assert.deepEqual(
    back.map((c) => [c.ids, c.embeddings]),
    [
      [[98, 1, 100, 99, 0, 0, 0], undefined],
      [[98, 0, 0, 0, 2, 99, 0], [{ name: 'emb', start: 1, rows: 3 }]],
    ],
  );
  assert.deepEqual(names.used('w1 w2', toy), [], 'no name, no embedding');
  assert.throws(
    () => chunkPrompt(parsePromptAttention('emb'), toy, { embeddings: names.matcher(new Map([['emb', 6]])) }),
    /Embedding emb has 6 vectors, more than the 5 tokens of a prompt window/,
  );
});

test('ComfyUI: embedding:name is one word of N slots; 8+ vectors split across windows keep their vector order', () => {
  const rows = new Map([
    ['e', 2],
    ['big', 9],
  ]);
  const small = tokenizeComfyPrompt('(embedding:e:1.5) w3', toy, { embeddingRows: (n) => rows.get(n) });
  assert.deepEqual(
    small.map((c) => [c.ids, c.weights, c.embeddings]),
    [[[98, 0, 0, 3, 99, 0, 0], [1, 1.5, 1.5, 1, 1, 1, 1], [{ name: 'e', start: 1, rows: 2, from: 0 }]]],
  );
  const big = tokenizeComfyPrompt('w1 embedding:big', { ...toy, padId: 99 }, { embeddingRows: (n) => rows.get(n) });
  assert.deepEqual(
    big.map((c) => c.embeddings),
    [[{ name: 'big', start: 2, rows: 4, from: 0 }], [{ name: 'big', start: 1, rows: 5, from: 4 }]],
  );
  const missing: string[] = [];
  const text = tokenizeComfyPrompt('embedding:w5,', toy, { embeddingRows: () => undefined, onMissingEmbedding: (n) => missing.push(n) });
  assert.deepEqual(missing, ['w5,']);
  assert.equal(text[0]!.embeddings, undefined);
});
