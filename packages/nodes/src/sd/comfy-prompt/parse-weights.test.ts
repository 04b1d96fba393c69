import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseComfyWeights } from './parse-weights.ts';

const pairs = (prompt: string): Array<[string, number]> => parseComfyWeights(prompt).map((s) => [s.text, s.weight]);

// Expected values worked by hand from comfy/sd1_clip.py token_weights / parse_parentheses.
test('(x) multiplies by 1.1, (x:w) sets w, nesting inside an explicit weight restarts from it', () => {
  assert.deepEqual(pairs('a (b) c'), [
    ['a ', 1],
    ['b', 1.1],
    [' c', 1],
  ]);
  assert.deepEqual(pairs('((b))'), [['b', 1.1 * 1.1]]);
  assert.deepEqual(pairs('(b:1.5)'), [['b', 1.5]]);
  assert.deepEqual(pairs('((b:0.5))'), [['b', 0.5]]); // A1111 would give 0.55
  assert.deepEqual(pairs('(x (y:2) z:0.5)'), [
    ['x ', 0.5],
    ['y', 2],
    [' z', 0.5],
  ]);
  assert.deepEqual(pairs('(b: 1.25 )'), [['b', 1.25]]); // Python float() strips whitespace
});

test('only \\( and \\) escape; brackets are text; a bad number or an unclosed group stays text', () => {
  assert.deepEqual(pairs('\\(literal\\) [kept]'), [['(literal) [kept]', 1]]);
  assert.deepEqual(pairs('(time: 12:30)'), [['time: 12', 30]]); // the LAST colon's number wins, as in ComfyUI
  assert.deepEqual(pairs('(a:b)'), [['a:b', 1.1]]);
  assert.deepEqual(pairs('(:2)'), [[':2', 1.1]]); // a colon at position 0 is not a weight
  assert.deepEqual(pairs('(open'), [['(open', 1]]);
  assert.deepEqual(pairs('a) b'), [['a) b', 1]]);
  assert.deepEqual(pairs(''), []);
});
