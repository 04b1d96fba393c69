/**
 * Scale-out recovery and routing by cost (issue 23), on real processes: redis-server, one API server and
 * `loom-worker`s with the default timings (2 s heartbeat TTL). A SIGKILLed worker's prompt goes back to
 * the front of the queue within seconds and is not overtaken by prompts still waiting; a prompt waits for
 * a busy worker that has its pipeline loaded only while that beats loading it, by the workers' own
 * measurements; kills never lose or duplicate a prompt or an output.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { tinyPng } from '../server/helpers/test-nodes.ts';
import { Cluster } from './helpers/cluster.ts';
import { api, history, submit, until, WsProbe, type HistoryEntry } from './helpers/prompts.ts';
import { redisMissing } from './helpers/redis-process.ts';

const skip = redisMissing();

/** `Source(value) → Slow(ms) → Tag`: runs `ms`, then shows its worker. */
const slow = (value: number, ms: number, steps = 4): Record<string, unknown> => ({
  '1': { class_type: 'Source', inputs: { value } },
  '2': { class_type: 'Slow', inputs: { x: ['1', 0], ms, steps } },
  '3': { class_type: 'Tag', inputs: { x: ['2', 0] } },
});

/** `StubPipeline(pipeline) → Sleep(ms) → Tag`: loads `pipeline` (cold or not), then runs `ms`. */
const onPipeline = (pipeline: string, seed: number, ms: number): Record<string, unknown> => ({
  '1': { class_type: 'StubPipeline', inputs: { pipeline, seed } },
  '2': { class_type: 'Sleep', inputs: { x: ['1', 0], ms } },
  '3': { class_type: 'Tag', inputs: { x: ['2', 0] } },
});

const queueIds = async (url: string): Promise<{ running: string[]; pending: string[] }> => {
  const body = (await api(url, '/queue')).body as { queue_running: unknown[][]; queue_pending: unknown[][] };
  return { running: body.queue_running.map((item) => String(item[1])), pending: body.queue_pending.map((item) => String(item[1])) };
};

describe('a SIGKILLed worker', { skip: skip ?? false }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start([
      { name: 'a', models: [] },
      { name: 'b', models: [] },
    ]);
  });
  after(async () => cluster?.close());

  test('its prompt is back at the front of the queue within 5 s and finishes before the prompts that were waiting', async (t) => {
    const ws = await WsProbe.connect(`${cluster.url.replace(/^http/, 'ws')}/ws?clientId=front`);
    const redis = new Redis(cluster.redis.url);
    try {
      const victimPrompt = await submit(cluster.url, slow(1, 2000), 'front');
      await ws.waitFor((m) => m.type === 'progress' && m.data.prompt_id === victimPrompt, 15_000);
      const victim = (await redis.hget(`loom:run:${victimPrompt}`, 'worker')) as string;
      // The other worker takes a long prompt submitted after the victim's, so it stays busy while the victim is noticed.
      const long = await submit(cluster.url, slow(2, 8000, 16), 'front');
      await ws.waitFor((m) => m.type === 'progress' && m.data.prompt_id === long, 15_000);
      const waiting = [3, 4, 5].map((v) => submit(cluster.url, slow(v, 300, 2), 'front'));
      const later = await Promise.all(waiting);
      assert.deepEqual((await queueIds(cluster.url)).pending, later, 'no worker is free: the later prompts wait');

      await cluster.killWorker(victim);
      const killed = performance.now();
      // Measured from when the kill returned to the first /queue poll (every 50 ms) that shows it requeued.
      const requeuedAfterMs = await until(
        'the victim back in the queue',
        async () => ((await queueIds(cluster.url)).pending[0] === victimPrompt ? performance.now() - killed : undefined),
        20_000,
      );
      t.diagnostic(`requeued ${Math.round(requeuedAfterMs)} ms after the kill`);
      assert.ok(requeuedAfterMs < 5000, `requeued ${Math.round(requeuedAfterMs)} ms after the kill\n${cluster.logs()}`);
      assert.deepEqual((await queueIds(cluster.url)).pending, [victimPrompt, ...later], 'at its own place: ahead of everything submitted after it');

      for (const id of [victimPrompt, long, ...later]) await ws.waitForEnd(id, 30_000);
      const finished = (id: string): number => ws.messages.findIndex((m) => m.type === 'execution_success' && m.data.prompt_id === id);
      for (const id of later) assert.ok(finished(victimPrompt) < finished(id), `the victim finished before ${id}, which was waiting when it was killed`);
      const entry = (await history(cluster.url, victimPrompt)) as HistoryEntry;
      assert.equal(entry.status.status_str, 'success');
      assert.notEqual(entry.outputs['3']?.worker?.[0], victim);
      assert.equal(ws.forPrompt(victimPrompt).filter((m) => m.type === 'execution_start').length, 2, 'a second attempt, announced');
      await cluster.restartWorker(victim);
    } finally {
      ws.close();
      redis.disconnect();
    }
  });

  test('a worker presumed dead while only frozen drops its attempt as soon as it wakes; the prompt ends once, elsewhere', async () => {
    const ws = await WsProbe.connect(`${cluster.url.replace(/^http/, 'ws')}/ws?clientId=frozen`);
    const redis = new Redis(cluster.redis.url);
    try {
      // Sleep publishes nothing while it runs: only the worker's ownership check can notice the loss.
      const id = await submit(
        cluster.url,
        {
          '1': { class_type: 'Source', inputs: { value: 9 } },
          '2': { class_type: 'Sleep', inputs: { x: ['1', 0], ms: 12_000 } },
          '3': { class_type: 'Tag', inputs: { x: ['2', 0] } },
        },
        'frozen',
      );
      await ws.waitFor((m) => m.type === 'executing' && m.data.prompt_id === id && m.data.node === '2', 15_000);
      const frozen = (await redis.hget(`loom:run:${id}`, 'worker')) as string;
      const proc = cluster.workers.get(frozen);
      assert.ok(proc);
      proc.child.kill('SIGSTOP');
      try {
        await ws.waitFor(
          (m) => m.type === 'execution_start' && m.data.prompt_id === id && ws.forPrompt(id).filter((x) => x.type === 'execution_start').length === 2,
          20_000,
        );
      } finally {
        proc.child.kill('SIGCONT');
      }
      // Well before its 12 s sleep would have ended, the woken worker finds the prompt is no longer its own.
      await until('the woken worker to drop its attempt', async () => (/attempt 1 lost the prompt/.test(proc.output()) ? true : undefined), 6000);
      await ws.waitForEnd(id, 30_000);
      const messages = ws.forPrompt(id);
      assert.equal(messages.filter((m) => m.type === 'execution_success').length, 1);
      const entry = (await history(cluster.url, id)) as HistoryEntry;
      assert.equal(entry.status.status_str, 'success');
      assert.notEqual(entry.outputs['3']?.worker?.[0], frozen, "the result is the other worker's");
    } finally {
      ws.close();
      redis.disconnect();
    }
  });
});

describe('routing by measured cost: one warm worker, one fresh', { skip: skip ?? false }, () => {
  let cluster: Cluster;
  const models = ['tiny', 'large'];
  const loadMs = { large: 3000 }; // a timer in the stub loader; tiny loads in about a millisecond
  const run = async (pipeline: string, seed: number, ms: number): Promise<string> => {
    const id = await submit(cluster.url, onPipeline(pipeline, seed, ms));
    await until(`prompt ${id}`, () => history(cluster.url, id), 30_000);
    return id;
  };
  const ranOn = async (id: string): Promise<{ worker: string; cold: boolean }> => {
    const entry = (await history(cluster.url, id)) as HistoryEntry;
    assert.equal(entry.status.status_str, 'success', JSON.stringify(entry.status));
    return { worker: String(entry.outputs['1']?.worker?.[0]), cold: entry.outputs['1']?.cold?.[0] === true };
  };

  before(async () => {
    cluster = await Cluster.start([{ name: 'warm', models, loadMs }]);
    // Only `warm` exists yet: it loads both pipelines (measuring the loads) and runs each once.
    assert.equal((await ranOn(await run('large', 1, 600))).cold, true);
    assert.equal((await ranOn(await run('tiny', 2, 600))).cold, true);
    await cluster.startWorker({ name: 'fresh', models, loadMs });
  });
  after(async () => cluster?.close());

  test('two prompts on a pipeline that loads in milliseconds: both workers run one', async () => {
    const ids = [await submit(cluster.url, onPipeline('tiny', 3, 600)), await submit(cluster.url, onPipeline('tiny', 4, 600))];
    for (const id of ids) await until(`prompt ${id}`, () => history(cluster.url, id), 30_000);
    const runs = await Promise.all(ids.map(ranOn));
    assert.deepEqual(runs.map((r) => r.worker).sort(), ['fresh', 'warm'], cluster.logs());
    assert.deepEqual(
      runs.find((r) => r.worker === 'fresh'),
      { worker: 'fresh', cold: true },
    );
  });

  test('two prompts on a pipeline that takes 3 s to load: the second waits for the warm worker', async () => {
    const ids = [await submit(cluster.url, onPipeline('large', 5, 600)), await submit(cluster.url, onPipeline('large', 6, 600))];
    for (const id of ids) await until(`prompt ${id}`, () => history(cluster.url, id), 30_000);
    assert.deepEqual(
      await Promise.all(ids.map(ranOn)),
      [
        { worker: 'warm', cold: false },
        { worker: 'warm', cold: false },
      ],
      cluster.logs(),
    );
  });
});

describe('20 prompts, 3 workers SIGKILLed while they run', { skip: skip ?? false }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start(['a', 'b', 'c'].map((name) => ({ name, models: [] })));
  });
  after(async () => cluster?.close());

  test('every prompt finishes once: no loss, no duplicate output', async () => {
    const ws = await WsProbe.connect(`${cluster.url.replace(/^http/, 'ws')}/ws?clientId=kills`);
    const redis = new Redis(cluster.redis.url);
    const restarts: Promise<void>[] = [];
    try {
      // The PNG is saved (and published) before the slow node, so a kill mostly comes after the publication.
      const prompt = (value: number): Record<string, unknown> => ({
        '1': { class_type: 'Source', inputs: { value } },
        '2': { class_type: 'StubSaveImage', inputs: { x: ['1', 0], filenamePrefix: 'kills' } },
        '3': { class_type: 'Slow', inputs: { x: ['1', 0], ms: 1500, steps: 5 } },
        '4': { class_type: 'Tag', inputs: { x: ['3', 0] } },
      });
      const values = Array.from({ length: 20 }, (_, i) => i + 1);
      const ids: string[] = [];
      for (const v of values) ids.push(await submit(cluster.url, prompt(v), 'kills'));

      const victims = new Set<string>();
      const down = new Set<string>();
      for (let kill = 0; kill < 3; kill++) {
        // A prompt in its slow node on a worker that is up, and not killed under before.
        const [promptId, worker] = await until(
          'a running prompt to kill',
          async () => {
            for (const id of ids) {
              if (victims.has(id)) continue;
              const run = await redis.hgetall(`loom:run:${id}`);
              const inSlow = ws.forPrompt(id).some((m) => m.type === 'progress' && m.data.node === '3');
              if (run.state === 'running' && run.worker && !down.has(run.worker) && cluster.workers.has(run.worker) && inSlow) return [id, run.worker] as const;
            }
            return undefined;
          },
          30_000,
        );
        victims.add(promptId);
        down.add(worker);
        await cluster.killWorker(worker);
        restarts.push(cluster.restartWorker(worker).then(() => void down.delete(worker)));
        await new Promise((r) => setTimeout(r, 700));
      }
      for (const id of ids) await ws.waitForEnd(id, 90_000);
      await Promise.all(restarts);

      for (const [i, id] of ids.entries()) {
        const entry = (await history(cluster.url, id)) as HistoryEntry;
        assert.equal(entry?.status.status_str, 'success', `prompt ${i + 1}: ${JSON.stringify(entry?.status)}\n${cluster.logs()}`);
        const messages = ws.forPrompt(id);
        assert.equal(messages.filter((m) => m.type === 'execution_success').length, 1, `prompt ${i + 1} ended once`);
        assert.equal(messages.filter((m) => m.type === 'executed' && m.data.node === '4').length, 1, `prompt ${i + 1}: one result`);
        const saved = new Set(messages.filter((m) => m.type === 'executed' && m.data.node === '2').map((m) => JSON.stringify(m.data.output)));
        assert.equal(saved.size, 1, `prompt ${i + 1}: every attempt announced the same saved file`);
        assert.equal(messages.filter((m) => m.type === 'execution_start').length, victims.has(id) ? 2 : 1);
      }
      // One stored PNG per prompt, each with its prompt's pixel: nothing lost, nothing stored twice.
      const dir = join(cluster.root, 'server', 'out');
      const files = readdirSync(dir).filter((n) => n.startsWith('kills'));
      assert.equal(files.length, 20, files.join(', '));
      const pixels = files.map((f) => values.findIndex((v) => readFileSync(join(dir, f)).equals(tinyPng(4, 4, [v, 0, 0]))) + 1).sort((x, y) => x - y);
      assert.deepEqual(pixels, values);
    } finally {
      await Promise.allSettled(restarts);
      ws.close();
      redis.disconnect();
    }
  });
});
