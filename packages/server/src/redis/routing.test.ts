import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coldLoadMs, expectedRunMs, modelSetKey, remainingMs, route, runnableBySomeWorker, type RoutableWorker } from './routing.ts';

interface Costs {
  freeInMs?: number;
  loadMs?: Record<string, number>;
  runMs?: Record<string, number>;
}
const worker = (id: string, models: string[], loaded: string[] = [], idle = true, costs: Costs = {}): RoutableWorker => ({
  id,
  models,
  loaded,
  idle,
  freeInMs: costs.freeInMs ?? 0,
  loadMs: costs.loadMs ?? {},
  runMs: costs.runMs ?? {},
});
const prompt = (promptId: string, models: string[] = []) => ({ promptId, models });

test('a worker with the pipeline loaded wins over one that would load it cold', () => {
  const got = route([prompt('p1', ['alpha'])], [worker('a', ['alpha']), worker('b', ['alpha'], ['alpha'])]);
  assert.deepEqual(got, [{ promptId: 'p1', workerId: 'b', hot: true }]);
});

test('only workers with the pipelines on disk are eligible; an unrunnable prompt does not block the next', () => {
  const got = route([prompt('p1', ['gamma']), prompt('p2', ['beta']), prompt('p3')], [worker('a', ['alpha']), worker('b', ['alpha', 'beta'])]);
  assert.deepEqual(got, [
    { promptId: 'p2', workerId: 'b', hot: false },
    { promptId: 'p3', workerId: 'a', hot: false },
  ]);
});

test('queue order decides who gets the only idle worker', () => {
  const got = route([prompt('first'), prompt('second')], [worker('a', [])]);
  assert.deepEqual(got, [{ promptId: 'first', workerId: 'a', hot: false }]);
});

test('a prompt waits for the busy warm worker only while that is quicker than loading cold', () => {
  // b has alpha loaded and is busy; loading alpha took b 20 s. a is idle with nothing loaded.
  const busy = (freeInMs: number) => worker('b', ['alpha'], ['alpha'], false, { freeInMs, loadMs: { alpha: 20_000 }, runMs: { alpha: 4000 } });
  assert.deepEqual(route([prompt('p1', ['alpha'])], [worker('a', ['alpha']), busy(3000)]), [], 'free in 3 s beats a 20 s load');
  assert.deepEqual(
    route([prompt('p1', ['alpha'])], [worker('a', ['alpha']), busy(25_000)]),
    [{ promptId: 'p1', workerId: 'a', hot: false }],
    'free in 25 s: load now',
  );
  // A's own measurement wins over b's: on a's faster disk alpha loads in 1 s, less than b's 3 s wait.
  const fast = worker('a', ['alpha'], [], true, { loadMs: { alpha: 1000 } });
  assert.deepEqual(route([prompt('p1', ['alpha'])], [fast, busy(3000)]), [{ promptId: 'p1', workerId: 'a', hot: false }]);
});

test('a pipeline that loads in milliseconds never keeps an idle worker waiting (a fresh worker takes the second prompt)', () => {
  const warm = worker('warm', ['tiny'], ['tiny'], true, { loadMs: { tiny: 3 }, runMs: { tiny: 500 } });
  const got = route([prompt('p1', ['tiny']), prompt('p2', ['tiny'])], [warm, worker('fresh', ['tiny'])]);
  assert.deepEqual(got, [
    { promptId: 'p1', workerId: 'warm', hot: true },
    { promptId: 'p2', workerId: 'fresh', hot: false },
  ]);
});

test('each prompt that waits lengthens the wait of the next, until loading cold is quicker', () => {
  // b frees up in 1 s and runs alpha prompts in 2 s; a cold load takes 4 s: p1 (1 s) and p2 (3 s) wait, p3 (5 s) loads on a.
  const b = worker('b', ['alpha'], ['alpha'], false, { freeInMs: 1000, loadMs: { alpha: 4000 }, runMs: { alpha: 2000 } });
  const got = route([prompt('p1', ['alpha']), prompt('p2', ['alpha']), prompt('p3', ['alpha'])], [worker('a', ['alpha']), b]);
  assert.deepEqual(got, [{ promptId: 'p3', workerId: 'a', hot: false }]);
});

test('with no measurement of the load anywhere, nobody waits', () => {
  const got = route([prompt('p1', ['alpha'])], [worker('a', ['alpha']), worker('b', ['alpha'], ['alpha'], false, { freeInMs: 10 })]);
  assert.deepEqual(got, [{ promptId: 'p1', workerId: 'a', hot: false }]);
});

test('affinity off: the first idle worker by name takes each prompt, loaded or not', () => {
  const got = route(
    [prompt('p1', ['alpha']), prompt('p2', ['beta'])],
    [worker('a', ['alpha', 'beta'], ['beta']), worker('b', ['alpha', 'beta'], ['alpha'])],
    false,
  );
  assert.deepEqual(got, [
    { promptId: 'p1', workerId: 'a', hot: false },
    { promptId: 'p2', workerId: 'b', hot: false },
  ]);
});

test('a cold load goes to the worker whose loaded pipelines later prompts do not need', () => {
  // x holds beta, which p2 needs; y holds nothing: p1 (alpha) goes to y, then p2 finds beta loaded on x.
  const got = route([prompt('p1', ['alpha']), prompt('p2', ['beta'])], [worker('x', ['alpha', 'beta'], ['beta']), worker('y', ['alpha', 'beta'])]);
  assert.deepEqual(got, [
    { promptId: 'p1', workerId: 'y', hot: false },
    { promptId: 'p2', workerId: 'x', hot: true },
  ]);
});

test('busy workers are never assigned; each idle worker gets at most one prompt', () => {
  const got = route([prompt('p1'), prompt('p2'), prompt('p3')], [worker('a', [], [], false), worker('b', []), worker('c', [])]);
  assert.deepEqual(
    got.map((a) => `${a.promptId}>${a.workerId}`),
    ['p1>b', 'p2>c'],
  );
});

test('cost figures: run estimates, remaining time, and whose load time counts', () => {
  const w = worker('w', ['alpha', 'beta'], ['beta'], true, { loadMs: { alpha: 700 }, runMs: { [modelSetKey(['beta', 'alpha'])]: 900, alpha: 300 } });
  assert.equal(modelSetKey(['beta', 'alpha']), 'alpha+beta');
  assert.equal(expectedRunMs(w, ['alpha', 'beta']), 900);
  assert.equal(expectedRunMs(w, ['gamma']), 600, 'an unknown set: the mean of what it has run');
  assert.equal(expectedRunMs(worker('new', []), ['alpha']), 0);
  assert.equal(remainingMs(1000, 400), 600);
  assert.equal(remainingMs(1000, 1500), 500, 'overrun by 0.5 s: expected to go on another 0.5 s');
  const other = worker('o', ['alpha', 'beta'], [], true, { loadMs: { alpha: 5000, beta: 2000 } });
  const third = worker('t', ['beta'], [], true, { loadMs: { beta: 3000 } });
  assert.equal(coldLoadMs(['alpha', 'beta'], w, [w, other, third]), 700, 'its own alpha figure; beta is loaded');
  assert.equal(coldLoadMs(['beta'], worker('n', ['beta']), [w, other, third]), 3000, 'not measured here: the slowest report');
  assert.equal(coldLoadMs(['gamma'], w, [w, other]), undefined);
});

test('runnableBySomeWorker: no workers yet means unknown (accepted); otherwise someone must have every pipeline', () => {
  assert.equal(runnableBySomeWorker(['alpha'], []), true);
  assert.equal(runnableBySomeWorker(['alpha', 'beta'], [{ models: ['alpha'] }, { models: ['beta'] }]), false);
  assert.equal(runnableBySomeWorker(['alpha', 'beta'], [{ models: ['beta', 'alpha'] }]), true);
  assert.equal(runnableBySomeWorker([], [{ models: [] }]), true);
});
