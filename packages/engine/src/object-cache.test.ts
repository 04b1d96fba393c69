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
  const { createMs, ...counts } = store.stats();
  assert.deepEqual(counts, { entries: 1, bytes: 10, budgetBytes: 100, hits: 2, misses: 1, evictions: 0 });
  assert.ok(createMs >= 4, `the one creation took at least its 5 ms timer (${createMs})`);
});

test('creation time counts nested and concurrent creations once (the union of their intervals)', async () => {
  const store = new ObjectStore(1000);
  const cache = store.forRun('r');
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const start = performance.now();
  // An outer entry whose creation needs an inner one (conditioning needs the text encoder), and a
  // concurrent sibling: summed they would be ~100 ms, but only ~40 ms of wall time passes.
  const outer = cache.getOrCreate('outer', async () => {
    await cache.getOrCreate('inner', async () => (await sleep(30), { value: 1, bytes: 1 }));
    await sleep(10);
    return { value: 2, bytes: 1 };
  });
  const sibling = cache.getOrCreate('sibling', async () => (await sleep(30), { value: 3, bytes: 1 }));
  await Promise.all([outer, sibling]);
  const elapsed = performance.now() - start;
  const { createMs } = store.stats();
  assert.ok(createMs >= 39, `at least the outer creation's 40 ms of timers (${createMs})`);
  assert.ok(createMs <= elapsed + 1, `no more than the wall time that passed (${createMs} > ${elapsed})`);
  await cache.getOrCreate('outer', () => ({ value: 0, bytes: 1 }));
  assert.equal(store.stats().createMs, createMs, 'a hit costs no creation time');
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
