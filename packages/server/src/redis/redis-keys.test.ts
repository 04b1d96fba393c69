import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queueNameFor, RedisKeys } from './redis-keys.ts';

test('one BullMQ queue per pipeline set, order-independent, with a safe name', () => {
  assert.equal(queueNameFor([]), 'run');
  assert.equal(queueNameFor(['tiny-sd15']), 'run-tiny-sd15');
  assert.equal(queueNameFor(['b', 'a']), queueNameFor(['a', 'b']));
  assert.equal(queueNameFor(['a', 'b']), 'run-a+b');
  // Characters outside the safe alphabet (here ':' and a space) give a hashed name.
  assert.match(queueNameFor(['my model:v2']), /^run-[0-9a-f]{16}$/);
});

test('a prefix keeps clusters apart and must be key-safe', () => {
  const keys = new RedisKeys('teamA');
  assert.equal(keys.run('p1'), 'teamA:run:p1');
  assert.equal(keys.bull, 'teamA:bull');
  assert.throws(() => new RedisKeys('bad prefix'), /prefix/);
});
