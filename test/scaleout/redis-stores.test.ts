/**
 * The Redis-side building blocks against a real redis-server: the attempt protocol's scripts (only the
 * current attempt may publish or finish, and only once) and the history store (durable, capped).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { Worker } from 'bullmq';
import { JobQueues } from '../../packages/server/src/redis/job-queues.ts';
import { RedisHistoryStore } from '../../packages/server/src/redis/redis-history-store.ts';
import { RedisKeys } from '../../packages/server/src/redis/redis-keys.ts';
import { RunScripts } from '../../packages/server/src/redis/run-scripts.ts';
import { parseRecord } from '../../packages/server/src/redis/stream-reader.ts';
import type { HistoryRecord } from '../../packages/server/src/store/history-types.ts';
import { redisMissing, RedisProcess } from './helpers/redis-process.ts';

const skip = redisMissing();

describe('Redis building blocks', { skip: skip ?? false }, () => {
  let server: RedisProcess;
  let redis: Redis;
  const keys = new RedisKeys('t');

  before(async () => {
    server = await RedisProcess.start();
    redis = new Redis(server.url);
  });
  after(async () => {
    redis?.disconnect();
    await server?.dispose();
  });

  test('attempts: a re-run supersedes the old attempt, which can then neither publish nor finish', async () => {
    const scripts = new RunScripts(redis, keys);
    await redis.hset(keys.run('p'), { state: 'dispatched', jobId: 'p.r1', attempt: 0 });
    assert.equal(await scripts.claim('p', 'p.r0', 'w1', 'i1'), 0, 'a job id that is not the dispatched one is stale');
    assert.equal(await scripts.claim('p', 'p.r1', 'w1', 'i1'), 1);
    assert.equal(await scripts.publish('p', 1, 'event', 'w1', 'e1'), true);
    assert.equal(await scripts.claim('p', 'p.r1', 'w2', 'i2'), 2, 'BullMQ re-ran the job on w2');
    assert.equal(await scripts.publish('p', 1, 'event', 'w1', 'late'), false);
    assert.equal(await scripts.finish('p', 1, 'w1', 'end-1'), false);
    assert.equal(await scripts.publish('p', 2, 'event', 'w2', 'e2'), true);
    assert.equal(await scripts.finish('p', 2, 'w2', 'end-2'), true);
    assert.equal(await scripts.finish('p', 2, 'w2', 'end-2'), false, 'an ending happens once');
    assert.equal(await scripts.finish('p', null, 'server', 'lost'), false, 'the server cannot end it twice either');
    const entries = (await redis.xrange(keys.events, '-', '+')).map(([id, fields]) => parseRecord(id, fields));
    assert.deepEqual(
      entries.map((r) => `${r?.kind}:${r?.attempt}:${r?.worker}:${r?.data}`),
      ['claimed:1:w1:i1', 'event:1:w1:e1', 'claimed:2:w2:i2', 'event:2:w2:e2', 'end:2:w2:end-2'],
    );
  });

  test("requeue: a lost worker's prompt goes back to pending with its number; its attempt is dead, the count carries on", async () => {
    const scripts = new RunScripts(redis, keys);
    await redis.del(keys.pending);
    await redis.hset(keys.run('s'), { state: 'dispatched', jobId: 's.r1' });
    await redis.sadd(keys.runs, 's');
    assert.equal(await scripts.claim('s', 's.r1', 'w1', 'i1'), 1);
    assert.equal(await scripts.requeue('s', { workerId: 'w2', jobId: '' }, 7, 2), 0, 'only the worker that runs it can be lost with it');
    assert.equal(await scripts.requeue('s', { workerId: 'w1', jobId: '' }, 7, 2), 1, 'first loss');
    assert.deepEqual(await redis.zrange(keys.pending, '0', '-1', 'WITHSCORES'), ['s', '7']);
    assert.equal(await redis.sismember(keys.runs, 's'), 0);
    assert.equal(await scripts.publish('s', 1, 'event', 'w1', 'late'), false, 'the lost attempt cannot publish');
    assert.equal(await scripts.finish('s', 1, 'w1', 'late-end'), false, '… nor finish');
    assert.equal(await scripts.claim('s', 's.r1', 'w3', 'i3'), 0, 'nor can its old job be claimed again');
    assert.equal(await scripts.requeue('s', { workerId: 'w1', jobId: '' }, 7, 2), 0, 'requeued once only');
    // The server dispatches it again (prompt-table markDispatched keeps the counter).
    await redis.hset(keys.run('s'), { state: 'dispatched', jobId: 's.r2' });
    assert.equal(await scripts.claim('s', 's.r2', 'w2', 'i2'), 2, 'the next attempt outnumbers the lost one');
    assert.equal(await scripts.requeue('s', { workerId: 'w2', jobId: '' }, 7, 2), 2);
    await redis.hset(keys.run('s'), { state: 'dispatched', jobId: 's.r3' });
    assert.equal(await scripts.claim('s', 's.r3', 'w3', 'i3'), 3);
    assert.equal(await scripts.requeue('s', { workerId: 'w3', jobId: '' }, 7, 2), -1, 'a third loss is one too many');
    assert.equal(await redis.hget(keys.run('s'), 'state'), 'running', 'left for the server to fail');
    assert.equal(await scripts.finish('s', null, 'server', 'given up'), true);
  });

  test('requeue of a dispatched prompt whose job was fetched by a worker that died before claiming it', async () => {
    const scripts = new RunScripts(redis, keys);
    await redis.hset(keys.run('u'), { state: 'dispatched', jobId: 'u.r1' });
    assert.equal(await scripts.requeue('u', { workerId: '', jobId: 'u.r0' }, 3, 2), 0, 'another job of it: not this one');
    assert.equal(await scripts.requeue('u', { workerId: '', jobId: 'u.r1' }, 3, 2), 1);
    assert.equal(await scripts.claim('u', 'u.r1', 'w1', 'i1'), 0, "the dead fetcher's job can no longer be claimed");
  });

  test("the lock owner of a fetched BullMQ job is the fetching worker's token", async () => {
    const jobs = new JobQueues(redis, keys);
    const connection = new Redis(server.url, { maxRetriesPerRequest: null }); // as BullMQ workers need
    const worker = new Worker('run-t', null, { connection, prefix: keys.bull, autorun: false });
    try {
      await jobs.add('run-t', 'v.r1', { promptId: 'v', graph: { version: 1, nodes: {} }, targets: [], models: [], inputs: [] });
      assert.equal(await jobs.lockOwner('run-t', 'v.r1'), null, 'waiting: nobody holds it');
      assert.ok(await worker.getNextJob('w9:instance:1', { block: false }));
      assert.equal(await jobs.lockOwner('run-t', 'v.r1'), 'w9:instance:1');
    } finally {
      await worker.close(true);
      await jobs.close();
      connection.disconnect();
    }
  });

  test('withdrawing a dispatched prompt wins over a later claim, and fails after one', async () => {
    const scripts = new RunScripts(redis, keys);
    await redis.hset(keys.run('q'), { state: 'dispatched', jobId: 'q.r1', attempt: 0 });
    assert.equal(await scripts.withdraw('q'), true);
    assert.equal(await scripts.claim('q', 'q.r1', 'w1', 'i1'), 0);
    await redis.hset(keys.run('r'), { state: 'dispatched', jobId: 'r.r1', attempt: 0 });
    assert.equal(await scripts.claim('r', 'r.r1', 'w1', 'i1'), 1);
    assert.equal(await scripts.withdraw('r'), false, 'running: interrupt it instead');
  });

  test('history: durable across a new store instance, oldest dropped past the cap', async () => {
    const record = (id: string): Omit<HistoryRecord, 'seq'> => ({
      promptId: id,
      entry: { prompt: [0, id, {}, {}, []], outputs: {}, status: { status_str: 'success', completed: true, messages: [] }, meta: {} },
      loom: { format: 'comfy', outcome: 'success', createdAt: 1, finishedAt: 2, executed: [], cached: [] },
    });
    const store = new RedisHistoryStore(redis, keys, 3);
    await store.load();
    for (const id of ['h1', 'h2', 'h3', 'h4']) await store.put(record(id));
    assert.deepEqual(
      store.page(0, 10).items.map((r) => r.promptId),
      ['h2', 'h3', 'h4'],
    );
    await store.put(record('h2')); // re-recorded: moves to the end with a new seq
    const reloaded = new RedisHistoryStore(redis, keys, 3);
    await reloaded.load();
    assert.deepEqual(
      reloaded.page(0, 10).items.map((r) => `${r.promptId}#${r.seq}`),
      ['h3#3', 'h4#4', 'h2#5'],
    );
    assert.equal(await reloaded.delete(['h3', 'nope', 'h3']), 1);
    assert.equal(reloaded.size, 2);
    await reloaded.clear();
    const empty = new RedisHistoryStore(redis, keys, 3);
    await empty.load();
    assert.equal(empty.size, 0);
  });
});
