import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadyQueue } from './ready-queue.ts';

test('items leave in priority order whatever order they arrive in', () => {
  const queue = new ReadyQueue<number>((a, b) => a < b);
  // A fixed permutation of 0..99 (37 is coprime with 100), interleaved with shifts.
  const out: number[] = [];
  for (let i = 0; i < 100; i++) {
    queue.push((i * 37) % 100);
    if (i % 10 === 9) out.push(queue.shift() as number);
  }
  while (queue.size > 0) out.push(queue.shift() as number);
  assert.equal(queue.shift(), undefined);
  assert.equal(out.length, 100);
  // Worked by hand: the first ten pushes hold 0 as their minimum; after 0 leaves and ten more arrive,
  // 3 is the smallest; then 7.
  assert.deepEqual(out.slice(0, 3), [0, 3, 7]);
  const drained = out.slice(10);
  assert.deepEqual(
    drained,
    [...drained].sort((a, b) => a - b),
  );
});

test('strings order as the comparator says (node ids)', () => {
  const queue = new ReadyQueue<string>((a, b) => a < b);
  for (const id of ['n10', 'b', 'n2', 'a']) queue.push(id);
  assert.deepEqual([queue.shift(), queue.shift(), queue.shift(), queue.shift()], ['a', 'b', 'n10', 'n2']);
});
