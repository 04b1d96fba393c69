/** The server's BullMQ producers: one `Queue` per model-set queue name, created on first use. */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.ts';
import type { JobData } from './wire.ts';

/** Failed jobs are kept a day so the server can read why (a job that stalled too often). */
const KEEP_FAILED = { age: 24 * 3600, count: 1000 };

export class JobQueues {
  readonly #queues = new Map<string, Queue>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  get(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis, prefix: this.keys.bull });
      this.#queues.set(name, queue);
    }
    return queue;
  }

  async add(name: string, jobId: string, data: JobData): Promise<void> {
    // One attempt: a run that fails is a result, not a reason to retry. Re-runs come only from
    // stalled-job detection (a worker that died), which `maxStalledCount` bounds on the workers.
    await this.get(name).add('run', data, { jobId, attempts: 1, removeOnComplete: true, removeOnFail: KEEP_FAILED });
  }

  /** `completed`, `failed`, `active`, `waiting`, … or `unknown` when the job is gone. */
  async state(name: string, jobId: string): Promise<string> {
    return this.get(name).getJobState(jobId);
  }

  /** The token of the worker holding the job's lock (BullMQ's `<prefix>:<queue>:<jobId>:lock`), null if none does. */
  async lockOwner(name: string, jobId: string): Promise<string | null> {
    return this.redis.get(`${this.keys.bull}:${name}:${jobId}:lock`);
  }

  async failedReason(name: string, jobId: string): Promise<string | undefined> {
    return (await this.get(name).getJob(jobId))?.failedReason;
  }

  /** Removes a job that no worker holds; false if one does (or it is gone). */
  async remove(name: string, jobId: string): Promise<boolean> {
    return (await this.get(name).remove(jobId)) === 1;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
  }
}
