/**
 * Keeps the server's table honest about BullMQ, once a second: a prompt whose job failed (its worker
 * was lost more often than `maxStalledCount` allows) or vanished gets an ending with a clear error; a
 * dispatch whose job never reached BullMQ (the server died in between) goes back to pending; a job
 * that stalled-job detection put back in its queue wakes the idle workers serving that queue.
 */
import type { Redis } from 'ioredis';
import type { JobQueues } from './job-queues.ts';
import type { PromptTable, RunState } from './prompt-table.ts';
import type { RecordHandler } from './record-handler.ts';
import type { RedisKeys } from './redis-keys.ts';
import type { RunScripts } from './run-scripts.ts';
import { encodeEnd, type ControlMessage } from './wire.ts';

export interface ReconcilerDeps {
  redis: Redis;
  keys: RedisKeys;
  table: PromptTable;
  jobs: JobQueues;
  scripts: RunScripts;
  handler: RecordHandler;
  control: (message: ControlMessage) => Promise<void>;
}

/** An ending for a prompt the server gives up on, in the worker's wire format. */
function failure(promptId: string, message: string): string {
  const error = { code: 'NODE_FAILED' as const, message };
  return encodeEnd({ outcome: 'error', event: { type: 'run.failed', runId: promptId, error }, error });
}

export class Reconciler {
  constructor(private readonly d: ReconcilerDeps) {}

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
        else if (inRedis === null) await this.#failHere(run, 'Redis lost this prompt while it ran (restarted without persistence, or flushed); submit it again.');
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
