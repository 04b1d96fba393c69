import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClipTokenizer } from './clip-tokenizer.ts';
import { BUNDLED_TOKENIZERS, bundledTokenizerDir } from './bundled.ts';

// The real SD tokenizer files, shipped with the package (packages/nodes/data/tokenizers).
const sd15 = await ClipTokenizer.fromDir(bundledTokenizerDir('clip-vit-large-patch14'));

test('special ids come from the files of the real SD tokenizer', () => {
  assert.equal(sd15.vocabSize, 49408);
  assert.equal(sd15.bosId, 49406);
  assert.equal(sd15.eosId, 49407);
  assert.equal(sd15.padId, 49407); // pad_token "<|endoftext|>"
  assert.equal(sd15.maxLength, 77);
});

test('ids quoted by independent sources', () => {
  // elixir-nx/bumblebee test/bumblebee/text/clip_tokenizer_test.exs (openai/clip-vit-base-patch32, same BPE).
  assert.deepEqual(sd15.encodePadded('a photo of a cat').slice(0, 7), [49406, 320, 1125, 539, 320, 2368, 49407]);
  assert.deepEqual(sd15.encode('a photo of a dog'), [320, 1125, 539, 320, 1929]);
  // openai/CLIP `clip.tokenize` output quoted in nishio/external_brain_in_markdown pages/CLIP.md.
  assert.deepEqual(sd15.encode('a painting of a cat'), [320, 3086, 539, 320, 2368]);
  assert.deepEqual(sd15.encode('bozuman'), [647, 4091, 786]);
});

test('transformers integration string: emoji, digits, accents, CJK, Thai marks, odd whitespace, <s>', () => {
  // huggingface/transformers tests/models/clip/test_tokenization_clip.py (integration_expected_token_ids,
  // openai/clip-vit-base-patch32) on the common test input string.
  const input =
    'This is a test 😊\nI was born in 92000, and this is falsé.\n生活的真谛是\nHi  Hello\nHi   Hello\n\n \n  \n Hello\n' +
    '<s>\nhi<s>there\nThe following string should be properly encoded: Hello.\nBut ird and ปี   ird   ด\nHey how are you doing';
  const expected = [
    589, 533, 320, 1628, 3020, 328, 739, 2683, 530, 280, 273, 271, 271, 271, 267, 537, 589, 533, 2778, 82, 4166, 269, 33375, 162, 112, 119, 163, 248, 226,
    41570, 164, 108, 249, 42891, 363, 1883, 3306, 1883, 3306, 3306, 283, 338, 285, 1883, 283, 338, 285, 997, 518, 3473, 9696, 1535, 655, 12560, 524, 33703, 281,
    3306, 269, 767, 2770, 537, 1777, 505, 20278, 2770, 38825, 2189, 829, 631, 592, 1960,
  ];
  assert.deepEqual(sd15.encode(input), expected);
  // Same test file's token strings: 'falsé' splits as fal + s + é (byte-level 'Ã©</w>').
  assert.deepEqual(sd15.tokenize('falsé'), ['fal', 's', 'Ã©</w>']);
});

test('apostrophes, punctuation, numbers: hand-derived from vocab.json lookups of single tokens', () => {
  // CLIP's pattern splits contractions ('t, 's, 'm) and single digits; each piece below is one vocab entry:
  // don</w>=847 't</w>=713 it</w>=585 's</w>=568 i</w>=328 'm</w>=880 (</w>=263 )</w>=264 ,</w>=267 !</w>=256
  // masterpiece</w>=12066 high</w>=1400 quality</w>=3027 8</w>=279 k</w>=330 4</w>=275, and the punctuation
  // run ")," is ONE pre-token whose whole byte string is the vocab entry ),</w>=2361.
  assert.deepEqual(sd15.encode("Don't"), [847, 713]);
  assert.deepEqual(sd15.encode("it's I'm"), [585, 568, 328, 880]);
  assert.deepEqual(sd15.encode('(masterpiece), high quality!'), [263, 12066, 2361, 1400, 3027, 256]);
  assert.deepEqual(sd15.encode('8k 4'), [279, 330, 275]);
  // Whitespace of any kind (tabs, newlines, NBSP, runs) only separates words.
  assert.deepEqual(sd15.encode(' \t high\u00a0\n\n quality  '), [1400, 3027]);
  // Case does not matter; NFC makes a decomposed é equal to the precomposed one.
  assert.deepEqual(sd15.encode('MASTERPIECE'), [12066]);
  assert.deepEqual(sd15.encode('fale\u0301'), sd15.encode('fal\u00e9'));
});

test('truncation keeps eos last; padding follows pad_token', () => {
  const long = sd15.encodePadded(Array.from({ length: 100 }, () => 'cat').join(' '));
  assert.equal(long.length, 77);
  assert.equal(long[0], 49406);
  assert.equal(long[76], 49407);
  assert.ok(long.slice(1, 76).every((id) => id === 2368));
  const short = sd15.encodePadded('cat');
  assert.deepEqual(short.slice(0, 4), [49406, 2368, 49407, 49407]);
  assert.equal(short.length, 77);
  assert.deepEqual(sd15.encodePadded(''), [49406, ...Array<number>(76).fill(49407)]);
});

test("SDXL tokenizer_2 pads with '!' (id 0)", async () => {
  const tok2 = await ClipTokenizer.fromDir(bundledTokenizerDir('clip-vit-bigg-14'));
  assert.equal(tok2.vocabSize, 49408);
  assert.equal(tok2.padId, 0);
  assert.equal(tok2.eosId, 49407);
  assert.deepEqual(tok2.encodePadded('a cat').slice(0, 6), [49406, 320, 2368, 49407, 0, 0]);
});

test('a small trained vocabulary: special ids derived from the files, unknown symbols → unk', async () => {
  // The fixture of transformers' CLIP tokenizer test: "lower newer" → lo w er</w> n e w er</w> = 10 2 16 9 3 2 16.
  const words = [
    'l',
    'o',
    'w',
    'e',
    'r',
    's',
    't',
    'i',
    'd',
    'n',
    'lo',
    'l</w>',
    'w</w>',
    'r</w>',
    't</w>',
    'low</w>',
    'er</w>',
    'lowest</w>',
    'newer</w>',
    'wider',
    '<unk>',
    '<|startoftext|>',
    '<|endoftext|>',
  ];
  const dir = await mkdtemp(join(tmpdir(), 'loom-tok-'));
  try {
    await writeFile(join(dir, 'vocab.json'), JSON.stringify(Object.fromEntries(words.map((w, i) => [w, i]))));
    await writeFile(join(dir, 'merges.txt'), '#version: 0.2\nl o\nlo w</w>\ne r</w>\n');
    await writeFile(join(dir, 'special_tokens_map.json'), JSON.stringify({ unk_token: '<unk>' }));
    const tiny = await ClipTokenizer.fromDir(dir);
    assert.deepEqual([tiny.bosId, tiny.eosId, tiny.padId, tiny.unkId], [21, 22, 22, 20]);
    assert.deepEqual(tiny.tokenize('lower newer'), ['lo', 'w', 'er</w>', 'n', 'e', 'w', 'er</w>']);
    assert.deepEqual(tiny.encode('lower newer'), [10, 2, 16, 9, 3, 2, 16]);
    assert.deepEqual(tiny.encode('z'), [20]);
    assert.deepEqual(tiny.encodePadded('low', { length: 5 }), [21, 15, 22, 22, 22]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('literal special tokens in the text map to their ids; decode round-trips', () => {
  assert.deepEqual(sd15.encode('cat<|endoftext|>cat'), [2368, 49407, 2368]);
  assert.equal(sd15.decode(sd15.encode('a photo of a cat, 8k')), 'a photo of a cat , 8 k');
});

test('missing files give a clear error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'loom-tok-'));
  try {
    // A tokenizer folder with only its configs, as some exports ship `tokenizer_2/`.
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: '!' }));
    await assert.rejects(ClipTokenizer.fromDir(dir), /vocab\.json/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bundled tokenizers: every name is a complete folder; an unknown name is refused', () => {
  for (const name of BUNDLED_TOKENIZERS) {
    for (const file of ['vocab.json', 'merges.txt', 'tokenizer_config.json', 'special_tokens_map.json', 'LICENSE']) {
      assert.ok(existsSync(join(bundledTokenizerDir(name), file)), `${name}/${file}`);
    }
  }
  assert.throws(() => bundledTokenizerDir('clip-vit-h' as 'clip-vit-bigg-14'), /No bundled tokenizer "clip-vit-h"/);
});
