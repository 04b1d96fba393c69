import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePromptAttention, isBreak } from './parse-attention.ts';

const pairs = (prompt: string): Array<[string, number]> => parsePromptAttention(prompt).map((f) => [f.text, f.weight]);

test('the doctest examples of A1111 modules/prompt_parser.py parse_prompt_attention', () => {
  // Expected values are the docstring's, including Python's float products (1.1*1.1*1.3 etc.).
  assert.deepEqual(pairs('normal text'), [['normal text', 1.0]]);
  assert.deepEqual(pairs('an (important) word'), [
    ['an ', 1.0],
    ['important', 1.1],
    [' word', 1.0],
  ]);
  assert.deepEqual(pairs('(unbalanced'), [['unbalanced', 1.1]]);
  assert.deepEqual(pairs('\\(literal\\]'), [['(literal]', 1.0]]);
  assert.deepEqual(pairs('(unnecessary)(parens)'), [['unnecessaryparens', 1.1]]);
  assert.deepEqual(pairs('a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).'), [
    ['a ', 1.0],
    ['house', 1.5730000000000004],
    [' ', 1.1],
    ['on', 1.0],
    [' a ', 1.1],
    ['hill', 0.55],
    [', sun, ', 1.1],
    ['sky', 1.4641000000000006],
    ['.', 1.1],
  ]);
});

test('square brackets divide, explicit weights, escapes, unbalanced closers', () => {
  assert.deepEqual(pairs('a [less] word'), [
    ['a ', 1],
    ['less', 1 / 1.1],
    [' word', 1],
  ]);
  assert.deepEqual(pairs('[[x]]'), [['x', (1 / 1.1) * (1 / 1.1)]]);
  assert.deepEqual(pairs('((word))'), [['word', 1.1 * 1.1]]);
  assert.deepEqual(pairs('(word: 1.3 )'), [['word', 1.3]]); // A1111's pattern allows spaces around the number
  assert.deepEqual(pairs('(bad:-0.5) x'), [
    ['bad', -0.5],
    [' x', 1],
  ]);
  assert.deepEqual(pairs('a \\\\ b'), [['a \\ b', 1]]); // \\ is a literal backslash
  assert.deepEqual(pairs('a ) b ] c'), [['a ) b ] c', 1]]); // closers without openers stay text
  assert.deepEqual(pairs('time: 12:30'), [['time: 12:30', 1]]); // a colon not followed by "number)" is text
  assert.deepEqual(pairs('[unclosed'), [['unclosed', 1 / 1.1]]);
  assert.deepEqual(pairs(''), [['', 1]]);
  assert.throws(() => parsePromptAttention('(x:1.2.3)'), /invalid emphasis weight/);
});

test('BREAK starts a new chunk marker with weight -1, only as a whole upper-case word', () => {
  const fragments = parsePromptAttention('a cat BREAK (a dog)');
  assert.deepEqual(
    fragments.map((f) => [f.text, f.weight]),
    [
      ['a cat', 1],
      ['BREAK', -1],
      ['', 1],
      ['a dog', 1.1],
    ],
  );
  assert.deepEqual(fragments.map(isBreak), [false, true, false, false]);
  assert.deepEqual(pairs('BREAKFAST break'), [['BREAKFAST break', 1]]);
  // Two BREAKs in a row are separated by an empty fragment, so they are never merged.
  assert.equal(parsePromptAttention('a BREAK BREAK b').filter(isBreak).length, 2);
});
