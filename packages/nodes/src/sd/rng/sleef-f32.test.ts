import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { expSleefF32, logSleefF32 } from './sleef-f32.ts';

// torch's own CPU float32 exp/log outputs (tools/comfy-ref/make_sleef_fixture.py).
const d = JSON.parse(readFileSync(new URL('./fixtures/sleef-f32.json', import.meta.url), 'utf8')) as Record<
  'exp_in' | 'exp_out' | 'log_in' | 'log_out',
  number[]
>;

test('exp and log match torch float32 bit for bit, where a correctly rounded result would not', () => {
  let differsFromCorrectRounding = 0;
  d.exp_in.forEach((x, i) => {
    assert.equal(expSleefF32(x), d.exp_out[i], `exp(${x})`);
    if (Math.fround(Math.exp(x)) !== d.exp_out[i]) differsFromCorrectRounding++;
  });
  d.log_in.forEach((x, i) => assert.equal(logSleefF32(x), d.log_out[i], `log(${x})`));
  assert.ok(differsFromCorrectRounding > 50, `torch's exp is not correctly rounded (${differsFromCorrectRounding} of ${d.exp_in.length} differ)`);
});
