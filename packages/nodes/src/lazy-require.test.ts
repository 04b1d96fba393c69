import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lazyRequire } from './lazy-require.ts';

test('lazyRequire loads its module on the first call, once, and not before', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-lazy-'));
  const counter = globalThis as { loomLazyLoads?: number };
  try {
    const file = join(dir, 'counted.cjs');
    writeFileSync(file, 'globalThis.loomLazyLoads = (globalThis.loomLazyLoads ?? 0) + 1; module.exports = { answer: 42 };');
    const load = lazyRequire<{ answer: number }>(file);
    assert.equal(counter.loomLazyLoads, undefined, 'nothing is required before the first call');
    const first = load();
    assert.equal(first.answer, 42);
    assert.equal(load(), first);
    assert.equal(counter.loomLazyLoads, 1);
  } finally {
    delete counter.loomLazyLoads;
    rmSync(dir, { recursive: true, force: true });
  }
});
