import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseA1111Parameters } from './a1111-parameters.ts';

test('A1111 parameters split into prompt, negative prompt and settings (quoted values keep their commas)', () => {
  const text =
    'a red circle, loom style <lora:r16:0.8>\nNegative prompt: blurry, lowres\nSteps: 20, Sampler: Euler, CFG scale: 4, Seed: 1234, Size: 64x64, Lora hashes: "r16: abc, r8: def"';
  const p = parseA1111Parameters(text);
  assert.equal(p.prompt, 'a red circle, loom style <lora:r16:0.8>');
  assert.equal(p.negativePrompt, 'blurry, lowres');
  assert.deepEqual(p.settings, { Steps: '20', Sampler: 'Euler', 'CFG scale': '4', Seed: '1234', Size: '64x64', 'Lora hashes': 'r16: abc, r8: def' });
});

test('a prompt without negative or settings lines is all prompt', () => {
  assert.deepEqual(parseA1111Parameters('just a prompt'), { prompt: 'just a prompt', negativePrompt: '', settings: {} });
});
