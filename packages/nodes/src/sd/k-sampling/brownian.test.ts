import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brownianNoiseSampler } from './brownian.ts';

test('Brownian noise: standard normal increments that add up along one path, same seed same path', () => {
  const shape = [1, 4, 64, 64];
  const sigmas = [14.6, 7, 3, 1, 0.03, 0];
  const noise = brownianNoiseSampler(shape, sigmas, 123);
  // dpmpp_sde's pattern: a half step inside the full step, then the full step.
  const half = noise(7, 5);
  const full = noise(7, 3);
  const rest = noise(5, 3);
  full.forEach((v, i) => assert.ok(Math.abs(v * Math.sqrt(4) - (half[i]! * Math.sqrt(2) + rest[i]! * Math.sqrt(2))) < 1e-4, `additivity [${i}]`));
  for (const sample of [noise(14.6, 7), half, rest, noise(1, 0.03)]) {
    const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
    const variance = sample.reduce((a, b) => a + (b - mean) ** 2, 0) / sample.length;
    assert.ok(Math.abs(mean) < 0.05 && Math.abs(variance - 1) < 0.06, `mean ${mean}, variance ${variance}`);
  }
  const replay = brownianNoiseSampler(shape, sigmas, 123);
  assert.deepEqual(replay(14.6, 7), noise(14.6, 7));
  assert.notDeepEqual(brownianNoiseSampler(shape, sigmas, 124)(14.6, 7), noise(14.6, 7));
});
