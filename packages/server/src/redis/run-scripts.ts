/**
 * The attempt protocol, as Lua scripts so each step is atomic in Redis. A worker that takes a job
 * claims it (attempt n+1); only the current attempt of a still-running prompt may publish events or
 * finish it. A worker that lost its job to a re-run (its lock expired, BullMQ gave the job to another
 * worker) therefore cannot publish anything more: no duplicate events, outputs or endings.
 *
 * A worker presumed dead has its prompt requeued: the run leaves `running`, so the lost attempt can
 * neither publish nor finish even if the worker was only cut off, and the attempt counter and the
 * published outputs stay with the prompt for its next attempt.
 *
 * Records go to one Redis stream (`p` prompt, `a` attempt, `k` kind, `w` worker, `d` data), which the
 * server reads in order; stream entries persist, so a server that reconnects or restarts misses none.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.ts';

/** Approximate cap of the event stream (XADD MAXLEN ~): records are consumed within milliseconds. */
const STREAM_MAXLEN = 20_000;

const CLAIM = `
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'dispatched' and state ~= 'running' then return 0 end
if redis.call('HGET', KEYS[1], 'jobId') ~= ARGV[2] then return 0 end
local attempt = redis.call('HINCRBY', KEYS[1], 'attempt', 1)
redis.call('HSET', KEYS[1], 'state', 'running', 'worker', ARGV[3], 'instance', ARGV[6], 'startedAt', ARGV[4])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'p', ARGV[1], 'a', attempt, 'k', 'claimed', 'w', ARGV[3], 'd', ARGV[6])
return attempt`;

const PUBLISH = `
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
if redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[2] then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'p', ARGV[1], 'a', ARGV[2], 'k', ARGV[3], 'w', ARGV[4], 'd', ARGV[5])
return 1`;

// ARGV[2] = '' finishes whatever attempt is current (the server recording a lost or failed job).
const FINISH = `
local state = redis.call('HGET', KEYS[1], 'state')
if ARGV[2] == '' then
  if state ~= 'running' and state ~= 'dispatched' then return 0 end
elseif state ~= 'running' or redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[2] then
  return 0
end
local attempt = redis.call('HGET', KEYS[1], 'attempt') or '0'
redis.call('HSET', KEYS[1], 'state', 'done')
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'p', ARGV[1], 'a', attempt, 'k', 'end', 'w', ARGV[3], 'd', ARGV[4])
return 1`;

// Back to pending (ZSET KEYS[2], score ARGV[3]) if worker ARGV[2] still runs it, or if job ARGV[5] is
// still dispatched unclaimed (its fetcher died before claiming); -1: lost too often.
const REQUEUE = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'running' then
  if redis.call('HGET', KEYS[1], 'worker') ~= ARGV[2] then return 0 end
elseif state ~= 'dispatched' or redis.call('HGET', KEYS[1], 'jobId') ~= ARGV[5] then
  return 0
end
local losses = redis.call('HINCRBY', KEYS[1], 'losses', 1)
if losses > tonumber(ARGV[4]) then return -1 end
redis.call('HSET', KEYS[1], 'state', 'requeued')
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return losses`;

const WITHDRAW = `
if redis.call('HGET', KEYS[1], 'state') ~= 'dispatched' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'removed')
return 1`;

export class RunScripts {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Takes ownership of a dispatched/running prompt for job `jobId`: the new attempt number, or 0 if
   * stale. `instance` (the worker process's run) travels in the claimed record's data.
   */
  async claim(promptId: string, jobId: string, workerId: string, instance: string): Promise<number> {
    return Number(await this.redis.eval(CLAIM, 2, this.keys.run(promptId), this.keys.events, promptId, jobId, workerId, Date.now(), STREAM_MAXLEN, instance));
  }

  /**
   * Puts a prompt whose worker is gone back among the pending, with its priority `number`: the
   * losses so far (≥ 1), 0 if it is no longer `workerId`'s (running) or job `jobId`'s (dispatched), or
   * -1 once it has been lost more than `maxRequeues` times (left as it is, for the caller to fail).
   */
  async requeue(promptId: string, owner: { workerId: string; jobId: string }, number: number, maxRequeues: number): Promise<number> {
    const k = this.keys;
    return Number(await this.redis.eval(REQUEUE, 3, k.run(promptId), k.pending, k.runs, promptId, owner.workerId, number, maxRequeues, owner.jobId));
  }

  /** Appends a record if `attempt` still owns the prompt. */
  async publish(promptId: string, attempt: number, kind: 'event', workerId: string, data: string): Promise<boolean> {
    return Number(await this.redis.eval(PUBLISH, 2, this.keys.run(promptId), this.keys.events, promptId, attempt, kind, workerId, data, STREAM_MAXLEN)) === 1;
  }

  /** Ends the prompt once: true if this call ended it (`attempt` null = whichever attempt is current). */
  async finish(promptId: string, attempt: number | null, workerId: string, data: string): Promise<boolean> {
    return Number(await this.redis.eval(FINISH, 2, this.keys.run(promptId), this.keys.events, promptId, attempt ?? '', workerId, data, STREAM_MAXLEN)) === 1;
  }

  /** Takes back a dispatched prompt no worker has claimed yet; false once a worker claimed it. */
  async withdraw(promptId: string): Promise<boolean> {
    return Number(await this.redis.eval(WITHDRAW, 1, this.keys.run(promptId))) === 1;
  }
}
