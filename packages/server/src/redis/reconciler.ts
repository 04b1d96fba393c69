/**
 * Keeps the server's table honest about the workers and BullMQ, once a second.
 *
 * A running prompt whose worker is gone (its advert expired: no heartbeat for its TTL, 2 s by default;
 * or another process now advertises under its id) goes back to the pending prompts with its own
 * priority number, so it runs next, before every prompt submitted after it. After `maxRequeues` such
 * losses it fails instead: a prompt that kills its workers must not take down the whole fleet.
 *
 * A prompt whose job failed (its worker was lost more often than `maxStalledCount` allows) or vanished
 * gets an ending with a clear error; a dispatch whose job never reached BullMQ (the server died in
 * between) goes back to pending; a job that stalled-job detection put back in its queue wakes the idle
 * workers serving that queue.
 */
import type { Redis } from 'ioredis';
import type { JobQueues } from './job-queues.ts';
import type { PromptTable, RunState } from './prompt-table.ts';
import type { RecordHandler } from './record-handler.ts';
import type { RedisKeys } from './redis-keys.ts';
import type { RunScripts } from './run-scripts.ts';
import { encodeEnd, type ControlMessage, type WorkerAdvert } from './wire.ts';
import { parseLockToken } from './worker-registry.ts';

export interface ReconcilerDeps {
  redis: Redis;
  keys: RedisKeys;
  table: PromptTable;
  jobs: JobQueues;
  scripts: RunScripts;
  handler: RecordHandler;
  control: (message: ControlMessage) => Promise<void>;
  /** Re-runs allowed after lost workers before the prompt fails (default 2). */
  maxRequeues: number;
  log: (message: string) => void;
}

/** An ending for a prompt the server gives up on, in the worker's wire format. */
function failure(promptId: string, message: string): string {
  const error = { code: 'NODE_FAILED' as const, message };
  return encodeEnd({ outcome: 'error', event: { type: 'run.failed', runId: promptId, error }, error });
}

export class Reconciler {
  constructor(private readonly d: ReconcilerDeps) {}

  /**
   * Requeues the prompts of workers not in `live`: the ones they run, and the ones they fetched but
   * died before claiming (the BullMQ lock names the fetcher). Returns how many. Call inside the
   * queue's serial section, and only once `live` can be trusted (see RedisQueue: not right after an outage).
   */
  async requeueLost(live: readonly WorkerAdvert[]): Promise<number> {
    const instances = new Map(live.map((w) => [w.id, w.instance]));
    const alive = (workerId: string, instance: string | undefined): boolean => {
      const current = instances.get(workerId);
      return current !== undefined && (!instance || current === instance);
    };
    let requeued = 0;
    for (const run of [...this.d.table.runs.values()]) {
      let worker = run.worker;
      if (run.state === 'dispatched') {
        const token = await this.d.jobs.lockOwner(run.queue, run.jobId);
        const fetcher = token === null ? null : parseLockToken(token);
        if (!fetcher || alive(fetcher.workerId, fetcher.instance)) continue;
        worker = fetcher.workerId;
      } else if (worker === undefined || alive(worker, run.instance)) continue;
      const id = run.stored.prompt.promptId;
      const losses = await this.d.scripts.requeue(id, { workerId: worker, jobId: run.jobId }, run.stored.prompt.number, this.d.maxRequeues);
      if (losses > 0) {
        this.d.table.requeued(run);
        this.d.log(
          `Prompt ${id}: worker ${worker} is gone (no heartbeat); requeued at its place in the queue (loss ${losses} of ${this.d.maxRequeues} allowed).`,
        );
        requeued++;
      } else if (losses < 0) {
        await this.#fail(
          id,
          `Its worker was lost (killed, or silent past its heartbeat timeout) ${this.d.maxRequeues + 1} times, so the prompt was given up; check the workers' logs for a crash this graph causes.`,
        );
      }
    }
    return requeued;
  }

  /** Call inside the queue's serial section. */
  async check(): Promise<void> {
    for (const run of [...this.d.table.runs.values()]) {
      const id = run.stored.prompt.promptId;
      const state = await this.d.jobs.state(run.queue, run.jobId).catch(() => 'error');
      if (state === 'failed') {
        const reason = (await this.d.jobs.failedReason(run.queue, run.jobId)) ?? 'unknown reason';
        await this.#fail(id, `The prompt's worker was lost (killed, or unreachable past its lock) more often than allowed, so it was given up: ${reason}.`);
      } else if (state === 'unknown') {
        const inRedis = await this.d.redis.hget(this.d.keys.run(id), 'state');
        if (inRedis === 'done') continue; // its end record is on the way
        if (run.state === 'dispatched' && inRedis === 'dispatched') await this.d.table.repend(run);
        else if (inRedis === 'running') await this.#fail(id, 'The job disappeared from its BullMQ queue while it ran (was Redis flushed?).');
        else if (inRedis === null)
          await this.#failHere(run, 'Redis lost this prompt while it ran (restarted without persistence, or flushed); submit it again.');
      } else if ((state === 'waiting' || state === 'prioritized') && run.state === 'running') {
        await this.d.control({ type: 'wake', worker: '*', queue: run.queue });
      }
    }
  }

  /** Ends the prompt through the stream, like a worker would (atomically, once). */
  async #fail(promptId: string, message: string): Promise<void> {
    await this.d.scripts.finish(promptId, null, 'server', failure(promptId, message));
  }

  /** With its Redis state gone no script can end it, so the ending is handled here directly. */
  async #failHere(run: RunState, message: string): Promise<void> {
    const promptId = run.stored.prompt.promptId;
    await this.d.handler.handle({ id: '', promptId, attempt: run.attempt, kind: 'end', worker: 'server', data: failure(promptId, message) });
  }
}
