import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { brownianNoiseSampler } from './brownian-tree.ts';
import { SeedSequence } from './seed-sequence.ts';

/*
 * Expected words are numpy's own SeedSequence; expected noise comes from tools/comfy-ref/comfy_ref/brownian_tree.py,
 * whose tree matched torchsde 0.2.6's BrownianTree exactly (max |difference| 0.0 on 18 queries, 3 seeds).
 */
const fixture = JSON.parse(readFileSync(new URL('./fixtures/brownian.json', import.meta.url), 'utf8')) as {
  seed_sequence: Array<{ entropy: string; spawn_key: number[]; words: number[] }>;
  sigmas: number[];
  shape: number[];
  seed: number;
  noise: Array<{ sigma: number; sigma_next: number; noise: number[] }>;
};

test("SeedSequence gives numpy's words (entropy up to 2^64 − 1, spawn keys, pool of 24)", () => {
  for (const { entropy, spawn_key, words } of fixture.seed_sequence) assert.deepEqual(new SeedSequence(BigInt(entropy), spawn_key, 24).generateState(4), words);
});

test("the SDE noise is torchsde's Brownian tree: every query of the reference, overlapping and reversed ones too", () => {
  const noise = brownianNoiseSampler(fixture.shape, fixture.sigmas, fixture.seed);
  for (const q of fixture.noise) {
    const out = noise(q.sigma, q.sigma_next);
    out.forEach((v, i) =>
      assert.ok(Math.abs(v - q.noise[i]!) <= 1e-5 * Math.max(1, Math.abs(q.noise[i]!)), `${q.sigma}→${q.sigma_next} [${i}]: ${v} vs ${q.noise[i]}`),
    );
  }
});

test('Brownian noise: standard normal increments that add up along one path, whatever the query order', () => {
  const shape = [1, 4, 64, 64];
  const sigmas = [14.6, 7, 3, 1, 0.03, 0];
  const noise = brownianNoiseSampler(shape, sigmas, 123);
  const half = noise(7, 5);
  const full = noise(7, 3);
  const rest = noise(5, 3);
  full.forEach((v, i) => assert.ok(Math.abs(v * Math.sqrt(4) - (half[i]! * Math.sqrt(2) + rest[i]! * Math.sqrt(2))) < 1e-4, `additivity [${i}]`));
  for (const sample of [noise(14.6, 7), half, rest, noise(1, 0.03)]) {
    const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
    const variance = sample.reduce((a, b) => a + (b - mean) ** 2, 0) / sample.length;
    assert.ok(Math.abs(mean) < 0.05 && Math.abs(variance - 1) < 0.06, `mean ${mean}, variance ${variance}`);
  }
  const reordered = brownianNoiseSampler(shape, sigmas, 123);
  assert.deepEqual(reordered(5, 3), rest, 'a halfway tree does not depend on the order of queries');
  assert.notDeepEqual(brownianNoiseSampler(shape, sigmas, 124)(14.6, 7), noise(14.6, 7));
});
