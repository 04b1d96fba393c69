/**
 * The server's view of every prompt not yet finished: pending ones (in a Redis ZSET scored by their
 * priority number, as ComfyUI orders its heap) and dispatched or running ones (a Redis HASH each). A
 * prompt requeued after a lost worker is pending again but keeps its HASH (state `requeued`): its
 * attempt counter and loss count carry over to its next dispatch.
 * Redis holds the durable copy; this table mirrors it in memory because the one API server is its only
 * writer, and `snapshot()`, routing and `currentNode()` then need no round trip.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { HistoryRecorder } from '../events/history-recorder.ts';
import type { QueuedPrompt } from '../queue/prompt-queue.ts';
import type { RedisKeys } from './redis-keys.ts';

/** A queued prompt with the pipelines it needs (computed once, at submission). */
export interface StoredPrompt {
  prompt: QueuedPrompt;
  models: string[];
}

/** A prompt handed to BullMQ: `dispatched` until a worker claims it, then `running`. */
export interface RunState {
  stored: StoredPrompt;
  state: 'dispatched' | 'running';
  jobId: string;
  queue: string;
  /** 0 until claimed; each claim (a re-run after a lost worker) adds one. */
  attempt: number;
  worker?: string;
  /** The worker process that claimed it (a worker restarted under the same id is another instance). */
  instance?: string;
  dispatchedAt: number;
  startedAt?: number;
  /** Records the current attempt's events into the history entry. */
  recorder: HistoryRecorder | null;
  lastNode: { nodeId: string; at: number } | null;
}

const StoredShape = z.object({
  prompt: z.looseObject({ promptId: z.string().min(1), number: z.number(), graph: z.looseObject({}), createdAt: z.number() }),
  models: z.array(z.string()),
});

/** Queue order: number, then submission time, then id (ComfyUI breaks ties by insertion order). */
function comparePrompts(a: StoredPrompt, b: StoredPrompt): number {
  return a.prompt.number - b.prompt.number || a.prompt.createdAt - b.prompt.createdAt || a.prompt.promptId.localeCompare(b.prompt.promptId);
}

function parseStored(text: string | null | undefined): StoredPrompt | null {
  if (text === null || text === undefined) return null;
  try {
    // The shape was checked; the prompt was validated when it was submitted.
    return StoredShape.parse(JSON.parse(text)) as unknown as StoredPrompt;
  } catch {
    return null;
  }
}

export class PromptTable {
  pending: StoredPrompt[] = [];
  readonly runs = new Map<string, RunState>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Rebuilds the mirror from Redis (server start). Runs already finished in Redis are left to their end record. */
  async load(): Promise<void> {
    const ids = await this.redis.zrange(this.keys.pending, '0', '-1');
    const texts = ids.length > 0 ? await this.redis.mget(...ids.map((id) => this.keys.prompt(id))) : [];
    this.pending = texts
      .map(parseStored)
      .filter((s): s is StoredPrompt => s !== null)
      .sort(comparePrompts);
    this.runs.clear();
    for (const id of await this.redis.smembers(this.keys.runs)) {
      const [run, text] = await Promise.all([this.redis.hgetall(this.keys.run(id)), this.redis.get(this.keys.prompt(id))]);
      const stored = parseStored(text);
      if (!stored || !run.jobId || !run.queue || (run.state !== 'dispatched' && run.state !== 'running' && run.state !== 'done')) {
        await this.forget(id);
        continue;
      }
      this.runs.set(id, {
        stored,
        state: run.state === 'dispatched' ? 'dispatched' : 'running',
        jobId: run.jobId,
        queue: run.queue,
        // A dispatched prompt's counter may hold a lost attempt's number: no record of it counts any more.
        attempt: run.state === 'dispatched' ? 0 : Number(run.attempt ?? 0),
        ...(run.worker !== undefined && { worker: run.worker }),
        ...(run.instance !== undefined && { instance: run.instance }),
        dispatchedAt: Number(run.dispatchedAt ?? Date.now()),
        ...(run.startedAt !== undefined && { startedAt: Number(run.startedAt) }),
        recorder: null,
        lastNode: null,
      });
    }
  }

  has(promptId: string): boolean {
    return this.runs.has(promptId) || this.pending.some((p) => p.prompt.promptId === promptId);
  }

  async addPending(stored: StoredPrompt): Promise<void> {
    const id = stored.prompt.promptId;
    await this.redis.multi().set(this.keys.prompt(id), JSON.stringify(stored)).zadd(this.keys.pending, stored.prompt.number, id).exec();
    this.#insert(stored);
  }

  /** Removes pending prompts (and what a requeued one kept from its lost attempts); returns the ids removed. */
  async removePending(promptIds: string[]): Promise<string[]> {
    const ids = new Set(promptIds);
    const removed = this.pending.filter((p) => ids.has(p.prompt.promptId)).map((p) => p.prompt.promptId);
    if (removed.length === 0) return [];
    const k = this.keys;
    await this.redis
      .multi()
      .zrem(k.pending, ...removed)
      .del(...removed.flatMap((id) => [k.prompt(id), k.run(id), k.published(id), k.interrupt(id)]))
      .exec();
    this.pending = this.pending.filter((p) => !ids.has(p.prompt.promptId));
    return removed;
  }

  /** Gives a pending prompt a new priority number (a move). */
  async renumber(stored: StoredPrompt, number: number): Promise<void> {
    stored.prompt.number = number;
    const id = stored.prompt.promptId;
    await this.redis.multi().set(this.keys.prompt(id), JSON.stringify(stored)).zadd(this.keys.pending, number, id).exec();
    this.pending.sort(comparePrompts);
  }

  /** Pending → dispatched, durably, before the BullMQ job exists (a crash in between is reconciled). */
  async markDispatched(stored: StoredPrompt, jobId: string, queue: string, now: number): Promise<RunState> {
    const id = stored.prompt.promptId;
    await this.redis
      .multi()
      .zrem(this.keys.pending, id)
      // The attempt counter is left alone: a requeued prompt's next claim must outnumber its lost attempts.
      .hset(this.keys.run(id), { state: 'dispatched', jobId, queue, dispatchedAt: now })
      .sadd(this.keys.runs, id)
      .hset(this.keys.queues, queue, JSON.stringify(stored.models))
      .exec();
    this.pending = this.pending.filter((p) => p !== stored);
    const run: RunState = { stored, state: 'dispatched', jobId, queue, attempt: 0, dispatchedAt: now, recorder: null, lastNode: null };
    this.runs.set(id, run);
    return run;
  }

  /** A dispatched prompt whose job never reached BullMQ goes back to pending. */
  async repend(run: RunState): Promise<void> {
    const id = run.stored.prompt.promptId;
    await this.redis.multi().hset(this.keys.run(id), 'state', 'requeued').srem(this.keys.runs, id).zadd(this.keys.pending, run.stored.prompt.number, id).exec();
    this.requeued(run);
  }

  /** Mirrors a run put back among the pending (in Redis by `repend` or the requeue script), at its old position. */
  requeued(run: RunState): void {
    this.runs.delete(run.stored.prompt.promptId);
    this.#insert(run.stored);
  }

  /** Drops every trace of a finished or withdrawn prompt. */
  async forget(promptId: string): Promise<void> {
    const k = this.keys;
    await this.redis.multi().del(k.run(promptId), k.prompt(promptId), k.published(promptId), k.interrupt(promptId)).srem(k.runs, promptId).exec();
    this.runs.delete(promptId);
  }

  #insert(stored: StoredPrompt): void {
    this.pending.push(stored);
    this.pending.sort(comparePrompts);
  }
}
