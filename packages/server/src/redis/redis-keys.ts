/**
 * Every Redis key and channel Loom uses in scale-out mode, under one prefix (default `loom`), so
 * several independent clusters can share one Redis by choosing different prefixes.
 */
import { createHash } from 'node:crypto';

const DEFAULT_PREFIX = 'loom';

/** Key names for one cluster. */
export class RedisKeys {
  constructor(readonly prefix: string = DEFAULT_PREFIX) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) throw new Error(`Redis prefix "${prefix}" must be 1-64 letters, digits or _ . -`);
  }

  /** BullMQ's own key prefix (its keys are `<prefix>:bull:<queue>:…`). */
  get bull(): string {
    return `${this.prefix}:bull`;
  }
  /** INCR counter behind `nextNumber()`. */
  get counter(): string {
    return `${this.prefix}:counter`;
  }
  /** INCR counter making BullMQ job ids unique across re-submissions of one prompt id. */
  get dispatchCounter(): string {
    return `${this.prefix}:dispatch-counter`;
  }
  /** ZSET of pending prompt ids scored by their priority number. */
  get pending(): string {
    return `${this.prefix}:pending`;
  }
  /** JSON of a queued prompt (pending, dispatched or running). */
  prompt(promptId: string): string {
    return `${this.prefix}:prompt:${promptId}`;
  }
  /** HASH describing a dispatched or running prompt: state, job, attempt, worker. */
  run(promptId: string): string {
    return `${this.prefix}:run:${promptId}`;
  }
  /** SET of prompt ids that are dispatched or running. */
  get runs(): string {
    return `${this.prefix}:runs`;
  }
  /** HASH: output node id → the ui published first for it (idempotent publication across attempts). */
  published(promptId: string): string {
    return `${this.prefix}:published:${promptId}`;
  }
  /** A flag a worker checks besides the pub/sub message, so an interrupt survives a lost message. */
  interrupt(promptId: string): string {
    return `${this.prefix}:interrupt:${promptId}`;
  }
  /** Bytes of one output file streamed back by a worker. */
  file(jobId: string, attempt: number, index: number): string {
    return `${this.prefix}:file:${jobId}:${attempt}:${index}`;
  }
  /** STREAM of worker → server records (claimed, event, end). */
  get events(): string {
    return `${this.prefix}:events`;
  }
  /** The last stream id the server has fully processed (survives server restarts). */
  get eventsCursor(): string {
    return `${this.prefix}:events-cursor`;
  }
  /** A worker's advertisement JSON, with a TTL: the key vanishing (on Redis's clock) means the worker is gone. */
  worker(workerId: string): string {
    return `${this.prefix}:worker:${workerId}`;
  }
  /** SET of worker ids that have advertised; ids whose advert expired are pruned by the server. */
  get workerIds(): string {
    return `${this.prefix}:worker-ids`;
  }
  /** HASH: BullMQ queue name → JSON list of the models its jobs need. */
  get queues(): string {
    return `${this.prefix}:queues`;
  }
  /** Pub/sub channel server → workers (wake, interrupt, free). */
  get control(): string {
    return `${this.prefix}:control`;
  }
  /** Pub/sub channel workers → server (a worker's state changed: dispatch now rather than on the timer). */
  get workerChanged(): string {
    return `${this.prefix}:worker-changed`;
  }
  get history(): string {
    return `${this.prefix}:history`;
  }
  get historyData(): string {
    return `${this.prefix}:history:data`;
  }
  get historySeq(): string {
    return `${this.prefix}:history:seq`;
  }
}

/**
 * The BullMQ queue for jobs needing exactly these models: one queue per model set, so a job that
 * stalls goes back to a queue only workers with its models consume. No model → the shared `run` queue.
 */
export function queueNameFor(models: readonly string[]): string {
  if (models.length === 0) return 'run';
  const joined = [...models].sort().join('+');
  // BullMQ queue names end up inside Redis keys separated by ':'; keep them to a safe alphabet.
  const safe = /^[A-Za-z0-9_.+-]{1,80}$/.test(joined) ? joined : createHash('sha256').update(joined).digest('hex').slice(0, 16);
  return `run-${safe}`;
}
