import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectStore } from './object-cache.ts';

test('creates once, shares concurrent creation, and counts hits', async () => {
  const store = new ObjectStore(100);
  const cache = store.forRun('r1');
  let created = 0;
  const make = async () => {
    created++;
    await new Promise((r) => setTimeout(r, 5));
    return { value: { id: created }, bytes: 10 };
  };
  const [a, b] = await Promise.all([cache.getOrCreate('k', make), cache.getOrCreate('k', make)]);
  assert.equal(created, 1);
  assert.equal(a, b);
  await cache.getOrCreate('k', make);
  assert.deepEqual(store.stats(), { entries: 1, bytes: 10, budgetBytes: 100, hits: 2, misses: 1, evictions: 0 });
});

test('evicts least recently used entries beyond the byte budget, disposing them', async () => {
  const store = new ObjectStore(25);
  const disposed: string[] = [];
  const entry = (name: string) => () => ({ value: name, bytes: 10, dispose: () => void disposed.push(name) });
  const cache = store.forRun('r1');
  await cache.getOrCreate('a', entry('a'));
  await cache.getOrCreate('b', entry('b'));
  await cache.getOrCreate('a', entry('a')); // a is now more recent than b
  await store.endRun('r1');
  const next = store.forRun('r2');
  await next.getOrCreate('c', entry('c'));
  assert.deepEqual(disposed, ['b']);
  assert.ok(store.has('a') && store.has('c') && !store.has('b'));
  assert.equal(store.stats().evictions, 1);
});

test('never evicts what a running run uses; catches up when it ends', async () => {
  const store = new ObjectStore(15);
  const cache = store.forRun('busy');
  await cache.getOrCreate('a', () => ({ value: 1, bytes: 10 }));
  await cache.getOrCreate('b', () => ({ value: 2, bytes: 10 }));
  assert.equal(store.stats().bytes, 20, 'over budget while the run holds both');
  await store.endRun('busy');
  assert.equal(store.stats().entries, 1);
  assert.ok(store.has('b'));
});

test('clear() frees everything not in use', async () => {
  const store = new ObjectStore(1000);
  const cache = store.forRun('r');
  await cache.getOrCreate('a', () => ({ value: 1, bytes: 10 }));
  await store.endRun('r');
  await store.clear();
  assert.equal(store.stats().entries, 0);
});
