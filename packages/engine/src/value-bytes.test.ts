import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateBytes } from './value-bytes.ts';

test('typed arrays count their bytes, once however often they are referenced', () => {
  const latent = new Float32Array(4 * 64 * 64); // 65,536 bytes
  const small = estimateBytes({ samples: new Float32Array(1) });
  const one = estimateBytes({ samples: latent });
  const twice = estimateBytes({ samples: latent, again: latent, nested: { latent } });
  assert.ok(one - small === 65_536 - 4, `one latent: ${one} vs ${small}`);
  assert.ok(twice - one < 200, 'a second and third reference cost only their slots');
});

test('strings count two bytes a character; deep nesting does not overflow the stack', () => {
  assert.ok(estimateBytes('x'.repeat(1000)) >= 2000);
  let deep: Record<string, unknown> = {};
  const root = deep;
  for (let i = 0; i < 100_000; i++) deep = (deep.next = {}) as Record<string, unknown>;
  assert.ok(estimateBytes(root) > 0);
});
