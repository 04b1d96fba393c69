import { test } from 'node:test';
import assert from 'node:assert/strict';
import { route, runnableBySomeWorker, type RoutableWorker } from './routing.ts';

const worker = (id: string, models: string[], loaded: string[] = [], idle = true): RoutableWorker => ({ id, models, loaded, idle });
const prompt = (promptId: string, models: string[] = [], waitedMs = 0) => ({ promptId, models, waitedMs });

test('a worker with the pipeline loaded wins over one that would load it cold', () => {
  const got = route([prompt('p1', ['alpha'])], [worker('a', ['alpha']), worker('b', ['alpha'], ['alpha'])], 10_000);
  assert.deepEqual(got, [{ promptId: 'p1', workerId: 'b', hot: true }]);
});

test('only workers with the pipelines on disk are eligible; an unrunnable prompt does not block the next', () => {
  const got = route([prompt('p1', ['gamma']), prompt('p2', ['beta']), prompt('p3')], [worker('a', ['alpha']), worker('b', ['alpha', 'beta'])], 0);
  assert.deepEqual(got, [
    { promptId: 'p2', workerId: 'b', hot: false },
    { promptId: 'p3', workerId: 'a', hot: false },
  ]);
});

test('queue order decides who gets the only idle worker', () => {
  const got = route([prompt('first'), prompt('second')], [worker('a', [])], 0);
  assert.deepEqual(got, [{ promptId: 'first', workerId: 'a', hot: false }]);
});

test('a prompt waits for a busy worker that has its pipeline loaded, until the grace period is over', () => {
  const workers = [worker('a', ['alpha']), worker('b', ['alpha'], ['alpha'], false)];
  assert.deepEqual(route([prompt('p1', ['alpha'], 1000)], workers, 5000), []);
  assert.deepEqual(route([prompt('p1', ['alpha'], 6000)], workers, 5000), [{ promptId: 'p1', workerId: 'a', hot: false }]);
});

test('a cold load goes to the worker whose loaded pipelines later prompts do not need', () => {
  // x holds beta, which p2 needs; y holds nothing: p1 (alpha) goes to y, then p2 finds beta loaded on x.
  const got = route([prompt('p1', ['alpha']), prompt('p2', ['beta'])], [worker('x', ['alpha', 'beta'], ['beta']), worker('y', ['alpha', 'beta'])], 0);
  assert.deepEqual(got, [
    { promptId: 'p1', workerId: 'y', hot: false },
    { promptId: 'p2', workerId: 'x', hot: true },
  ]);
});

test('busy workers are never assigned; each idle worker gets at most one prompt', () => {
  const got = route([prompt('p1'), prompt('p2'), prompt('p3')], [worker('a', [], [], false), worker('b', []), worker('c', [])], 0);
  assert.deepEqual(got.map((a) => `${a.promptId}>${a.workerId}`), ['p1>b', 'p2>c']);
});

test('runnableBySomeWorker: no workers yet means unknown (accepted); otherwise someone must have every pipeline', () => {
  assert.equal(runnableBySomeWorker(['alpha'], []), true);
  assert.equal(runnableBySomeWorker(['alpha', 'beta'], [{ models: ['alpha'] }, { models: ['beta'] }]), false);
  assert.equal(runnableBySomeWorker(['alpha', 'beta'], [{ models: ['beta', 'alpha'] }]), true);
  assert.equal(runnableBySomeWorker([], [{ models: [] }]), true);
});
