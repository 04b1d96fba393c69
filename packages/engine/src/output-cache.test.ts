import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputCache } from './output-cache.ts';

const latent = (kib: number) => ({ outputs: { latent: new Float32Array((kib * 1024) / 4) } });

test('evicts least recently used entries by bytes, not by count', () => {
  // Room for two 40 KiB latents (plus their small object overhead), not three.
  const cache = new OutputCache(100 * 1024);
  cache.set('a', latent(40));
  cache.set('b', latent(40));
  assert.ok(cache.get('a'), 'touch a: b is now the least recently used');
  cache.set('c', latent(40));
  assert.equal(cache.get('b'), undefined);
  assert.ok(cache.get('a') && cache.get('c'));
  assert.ok(cache.bytes >= 80 * 1024 && cache.bytes <= 100 * 1024, `${cache.bytes} bytes held`);
  // Many tiny outputs fit where a count limit would have evicted them.
  for (let i = 0; i < 50; i++) cache.set(`n${i}`, { outputs: { value: i } });
  assert.equal(cache.size, 52);
});

test('an entry larger than the whole budget is not kept, and replacing a key frees its bytes', () => {
  const cache = new OutputCache(64 * 1024);
  cache.set('small', latent(16));
  cache.set('huge', latent(128));
  assert.equal(cache.get('huge'), undefined);
  assert.ok(cache.get('small'), 'the huge entry evicted nothing');
  const before = cache.bytes;
  cache.set('small', latent(16));
  assert.equal(cache.bytes, before);
  cache.clear();
  assert.equal(cache.bytes, 0);
});
