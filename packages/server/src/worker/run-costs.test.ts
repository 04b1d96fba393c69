import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lockToken, parseLockToken } from '../redis/worker-registry.ts';
import { RunCosts } from './run-costs.ts';

test("run costs: a cold run's creation time is the load, the rest is the run; warm runs average in", () => {
  const costs = new RunCosts();
  costs.record(['alpha'], ['alpha'], 5000, 4000); // cold: 4 s loading, 1 s running
  assert.deepEqual(costs.loadMs, { alpha: 4000 });
  assert.deepEqual(costs.runMs, { alpha: 1000 });
  costs.record(['alpha'], [], 2000, 50); // warm: all of it is running (text encodings included)
  assert.deepEqual(costs.runMs, { alpha: 1500 }, 'half old, half new');
  assert.deepEqual(costs.loadMs, { alpha: 4000 }, 'a warm run says nothing about loading');
  costs.record(['beta', 'alpha'], ['beta'], 900, 600);
  assert.deepEqual(costs.loadMs, { alpha: 4000, beta: 600 });
  assert.deepEqual(costs.runMs, { alpha: 1500, 'alpha+beta': 300 }, 'keyed by the sorted pipeline set');
  costs.record(['gamma', 'delta'], ['gamma', 'delta'], 1000, 800);
  assert.deepEqual(costs.loadMs, { alpha: 4000, beta: 600, gamma: 400, delta: 400 }, 'two loaded at once share the time');
});

test('lock tokens name the worker and its instance', () => {
  assert.deepEqual(parseLockToken(lockToken('gpu0', '3f2a', 7)), { workerId: 'gpu0', instance: '3f2a' });
  assert.equal(parseLockToken('some-other-token'), null);
});
