/**
 * The Redis/BullMQ queue (issue 11): the API server keeps the queue and history in Redis and runs no
 * prompt itself. Pending prompts wait in a Redis ZSET; the dispatcher releases each into a BullMQ
 * queue when a worker can take it (see routing.ts); workers stream their engine events back and
 * {@link RecordHandler} turns them into the same queue events the embedded queue emits, so HTTP,
 * WebSocket and ComfyUI clients cannot tell the difference.
 *
 * State-changing work (submissions, queue edits, dispatch, worker records) runs one step at a time in
 * this process: there is one API server per Redis prefix, and it is the only writer of queue state.
 */
import type { Redis } from 'ioredis';
import { LoomError, type NodeRegistry } from '@loom/engine';
import type { FreeOptions, PromptQueue, QueueListener, QueuedPrompt, QueueSnapshot, SubmitOptions } from '../queue/prompt-queue.ts';
import { QueueListeners } from '../queue/queue-listeners.ts';
import type { HistoryStore } from '../store/history-types.ts';
import { Dispatcher } from './dispatcher.ts';
import { JobQueues } from './job-queues.ts';
import { modelUses, requiredModels } from './job-needs.ts';
import { OutputStore } from './output-store.ts';
import { PromptTable, type RunState } from './prompt-table.ts';
import { Reconciler } from './reconciler.ts';
import { RecordHandler } from './record-handler.ts';
import { closeRedis, connectRedis } from './redis-connection.ts';
import { RedisKeys } from './redis-keys.ts';
import { runnableBySomeWorker } from './routing.ts';
import { RunScripts } from './run-scripts.ts';
import { StreamReader } from './stream-reader.ts';
import type { ControlMessage, WorkerAdvert } from './wire.ts';
import { ADVERT_TTL_MS, readLiveWorkers } from './worker-registry.ts';

export interface RedisQueueOptions {
  url: string;
  /** The command connection, shared with the history store; closed by `close()`. */
  redis: Redis;
  keys: RedisKeys;
  /** The server's node registry: which parameters name pipelines and input files. */
  registry: NodeRegistry;
  history: HistoryStore;
  /** Inputs shipped to workers; outputs stored from them. */
  dirs: { inputDir: string; outputDir: string; tempDir: string };
  /** Route to workers with the pipelines loaded, by measured cost (default on; see routing.ts). */
  affinity?: boolean;
  /** Re-runs allowed after lost workers before a prompt fails (default 2). */
  maxRequeues?: number;
  /** Default 3 s. */
  reserveMs?: number;
  /** Housekeeping period (dispatch retry, BullMQ job checks); default 1 s. */
  tickMs?: number;
  log?: (message: string) => void;
}

export class RedisQueue implements PromptQueue {
  readonly #o: RedisQueueOptions;
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #log: (message: string) => void;
  readonly #table: PromptTable;
  readonly #jobs: JobQueues;
  readonly #scripts: RunScripts;
  readonly #dispatcher: Dispatcher;
  readonly #handler: RecordHandler;
  readonly #reconciler: Reconciler;
  readonly #events: QueueListeners;
  readonly #gated = new Set<string>();
  #reader: StreamReader | null = null;
  #subscriber: Redis | null = null;
  #timer: NodeJS.Timeout | null = null;
  #tail: Promise<unknown> = Promise.resolve();
  #dispatchQueued = false;
  /** When the command connection last became ready, and the longest advert TTL seen: see #trustAdverts. */
  #readyAt = Date.now();
  #longestTtl = ADVERT_TTL_MS;
  #started = false;

  constructor(options: RedisQueueOptions) {
    this.#o = options;
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#log = options.log ?? (() => {});
    this.#events = new QueueListeners(this.#log);
    this.#table = new PromptTable(this.#redis, this.#keys);
    this.#jobs = new JobQueues(this.#redis, this.#keys);
    this.#scripts = new RunScripts(this.#redis, this.#keys);
    this.#dispatcher = new Dispatcher(this.#redis, this.#keys, this.#table, this.#jobs, options.registry, options.dirs.inputDir, {
      affinity: options.affinity ?? true,
      reserveMs: options.reserveMs ?? 3000,
    });
    const handler = new RecordHandler({
      redis: this.#redis,
      keys: this.#keys,
      table: this.#table,
      dispatcher: this.#dispatcher,
      outputs: new OutputStore(this.#redis, options.dirs),
      history: options.history,
      emit: (event) => this.#events.emit(event),
      remaining: () => this.#remaining(),
      log: this.#log,
    });
    this.#handler = handler;
    this.#reconciler = new Reconciler({
      redis: this.#redis,
      keys: this.#keys,
      table: this.#table,
      jobs: this.#jobs,
      scripts: this.#scripts,
      handler,
      control: (m) => this.#control(m),
      maxRequeues: options.maxRequeues ?? 2,
      log: this.#log,
    });
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#table.load();
    this.#readyAt = Date.now();
    this.#redis.on('ready', () => (this.#readyAt = Date.now()));
    this.#reader = new StreamReader(
      connectRedis(this.#o.url, { name: 'loom-server-events', log: this.#log }),
      this.#redis,
      this.#keys,
      (records) =>
        this.#serial(async () => {
          for (const record of records) {
            try {
              await this.#handler.handle(record);
            } catch (err) {
              this.#log(`Worker record for prompt ${record.promptId} could not be handled: ${(err as Error).stack ?? String(err)}`);
            }
          }
          this.#dispatchSoon();
        }),
      this.#log,
    );
    this.#reader.start();
    this.#subscriber = connectRedis(this.#o.url, { name: 'loom-server-sub', log: this.#log });
    this.#subscriber.on('message', () => this.#dispatchSoon());
    await this.#subscriber.subscribe(this.#keys.workerChanged);
    this.#timer = setInterval(() => void this.#serial(() => this.#housekeeping()), this.#o.tickMs ?? 1000);
    this.#timer.unref();
    this.#dispatchSoon();
  }

  async submit(prompt: QueuedPrompt, options: SubmitOptions = {}): Promise<void> {
    this.#events.assertOpen();
    await this.#serial(async () => {
      if (this.#table.has(prompt.promptId)) throw new LoomError('USAGE', `A prompt with id "${prompt.promptId}" is already queued.`);
      const models = requiredModels(prompt.graph, this.#o.registry);
      const workers = await this.#liveWorkers();
      if (!runnableBySomeWorker(models, workers)) throw this.#modelUnavailable(prompt, models, workers);
      await this.#table.addPending({ prompt, models });
      if (options.gate) {
        this.#gated.add(prompt.promptId);
        const open = (): void => {
          this.#gated.delete(prompt.promptId);
          this.#dispatchSoon();
        };
        options.gate.then(open, open);
      }
    });
    this.#events.emit({ type: 'queue.changed', remaining: this.#remaining() });
    this.#dispatchSoon();
  }

  async snapshot(): Promise<QueueSnapshot> {
    const runs = [...this.#table.runs.values()];
    const running = runs.filter((r) => r.state === 'running').sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
    // Dispatched prompts have not started: they are the head of the pending list.
    const dispatched = runs.filter((r) => r.state === 'dispatched').sort((a, b) => a.stored.prompt.number - b.stored.prompt.number);
    return { running: running.map((r) => r.stored.prompt), pending: [...dispatched.map((r) => r.stored.prompt), ...this.#table.pending.map((p) => p.prompt)] };
  }

  async remaining(): Promise<number> {
    return this.#remaining();
  }

  async nextNumber(front: boolean): Promise<number> {
    const n = (await this.#redis.incr(this.#keys.counter)) - 1;
    return front ? -n : n;
  }

  async remove(promptIds: string[]): Promise<string[]> {
    const removed = await this.#serial(async () => {
      const done = await this.#table.removePending(promptIds);
      for (const id of promptIds) {
        const run = this.#table.runs.get(id);
        if (run?.state === 'dispatched' && (await this.#withdraw(run))) done.push(id);
      }
      return done;
    });
    if (removed.length > 0) this.#events.emit({ type: 'queue.changed', remaining: this.#remaining() });
    return removed;
  }

  async clear(): Promise<number> {
    const ids = [
      ...this.#table.pending.map((p) => p.prompt.promptId),
      ...[...this.#table.runs.values()].filter((r) => r.state === 'dispatched').map((r) => r.stored.prompt.promptId),
    ];
    return (await this.remove(ids)).length;
  }

  async move(promptId: string, index: number): Promise<boolean> {
    const moved = await this.#serial(async () => {
      const list = this.#table.pending;
      const from = list.findIndex((p) => p.prompt.promptId === promptId);
      if (from < 0) return false;
      const others = list.filter((_, i) => i !== from);
      const to = Math.max(0, Math.min(index, others.length));
      const before = others[to - 1]?.prompt.number;
      const after = others[to]?.prompt.number;
      // Order is by number alone (as in ComfyUI's heap), so a move picks a number between the neighbours.
      const number =
        before !== undefined && after !== undefined
          ? (before + after) / 2
          : after !== undefined
            ? after - 1
            : before !== undefined
              ? before + 1
              : (list[from] as { prompt: QueuedPrompt }).prompt.number;
      await this.#table.renumber(list[from] as (typeof list)[number], number);
      return true;
    });
    if (moved) this.#events.emit({ type: 'queue.changed', remaining: this.#remaining() });
    return moved;
  }

  /** Interrupts the running prompt `promptId`, or every running prompt (each worker runs one). */
  async interrupt(promptId?: string): Promise<boolean> {
    const targets = [...this.#table.runs.values()].filter((r) => r.state === 'running' && (promptId === undefined || r.stored.prompt.promptId === promptId));
    for (const run of targets) {
      const id = run.stored.prompt.promptId;
      // The flag covers a worker that misses the message (reconnecting); the message makes it immediate.
      await this.#redis.set(this.#keys.interrupt(id), '1', 'EX', 24 * 3600);
      await this.#control({ type: 'interrupt', promptId: id });
    }
    return targets.length > 0;
  }

  async free(options: FreeOptions): Promise<void> {
    await this.#control({ type: 'free', unloadModels: options.unloadModels, freeMemory: options.freeMemory });
  }

  currentNode(): { promptId: string; clientId?: string; nodeId: string } | null {
    let latest: RunState | null = null;
    for (const run of this.#table.runs.values()) if (run.lastNode && (!latest || run.lastNode.at > (latest.lastNode as { at: number }).at)) latest = run;
    if (!latest?.lastNode) return null;
    const { promptId, clientId } = latest.stored.prompt;
    return { promptId, nodeId: latest.lastNode.nodeId, ...(clientId !== undefined && { clientId }) };
  }

  on(listener: QueueListener): () => void {
    return this.#events.on(listener);
  }

  /** Stops this server's part. Prompts running on workers keep running; a restarted server picks up their records. */
  async close(): Promise<void> {
    if (this.#events.closed) return;
    this.#events.close();
    if (this.#timer) clearInterval(this.#timer);
    await this.#reader?.stop();
    await this.#serial(async () => {});
    this.#subscriber?.disconnect();
    await this.#jobs.close();
    await closeRedis(this.#redis);
  }

  async #withdraw(run: RunState): Promise<boolean> {
    if (!(await this.#scripts.withdraw(run.stored.prompt.promptId))) return false;
    // A worker that already fetched the job finds it withdrawn when it claims, and drops it.
    await this.#jobs.remove(run.queue, run.jobId).catch(() => false);
    await this.#table.forget(run.stored.prompt.promptId);
    return true;
  }

  async #housekeeping(): Promise<void> {
    if (this.#events.closed) return;
    await this.#reconciler.check();
    if (this.#table.runs.size === 0 && this.#table.pending.length === 0) return;
    const workers = await this.#liveWorkers();
    if (this.#trustAdverts() && (await this.#reconciler.requeueLost(workers)) > 0) this.#events.emit({ type: 'queue.changed', remaining: this.#remaining() });
    await this.#dispatch(workers);
  }

  /**
   * Whether a missing advert means a dead worker. Not until every live worker has had a full TTL to
   * heartbeat since this server (re)connected: adverts can expire while Redis is down or restarting,
   * and a restarted server starts with no view of who is alive.
   */
  #trustAdverts(): boolean {
    return this.#redis.status === 'ready' && Date.now() - this.#readyAt >= this.#longestTtl;
  }

  async #liveWorkers(): Promise<WorkerAdvert[]> {
    const workers = await readLiveWorkers(this.#redis, this.#keys, this.#log);
    for (const w of workers) this.#longestTtl = Math.max(this.#longestTtl, w.ttlMs);
    return workers;
  }

  #dispatchSoon(): void {
    if (this.#dispatchQueued || this.#events.closed || !this.#started) return;
    this.#dispatchQueued = true;
    void this.#serial(async () => {
      this.#dispatchQueued = false;
      await this.#dispatch();
    });
  }

  async #dispatch(known?: WorkerAdvert[]): Promise<void> {
    if (this.#events.closed || this.#table.pending.length === 0) return;
    const workers = known ?? (await this.#liveWorkers());
    await this.#dispatcher.dispatch(workers, this.#gated, Date.now());
  }

  #modelUnavailable(prompt: QueuedPrompt, models: string[], workers: WorkerAdvert[]): LoomError {
    const missing = models.filter((m) => !workers.some((w) => w.models.includes(m)));
    const use = modelUses(prompt.graph, this.#o.registry).find((u) => missing.includes(u.value));
    const where = use ? ` (node ${use.nodeId}, input "${use.param}")` : '';
    const have = workers.map((w) => `${w.id}: ${w.models.join(', ') || 'no pipelines'}`).join('; ');
    return new LoomError(
      'MODEL_UNAVAILABLE',
      `No worker has the pipeline${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}${where}. Put the pipeline folder in a worker's models folder (loom-worker --models DIR) or pick one the workers have. Workers: ${have}.`,
      {
        details: { models: missing, ...(use && { node_id: use.nodeId, input: use.param }), workers: workers.map((w) => ({ id: w.id, models: w.models })) },
      },
    );
  }

  #serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(step, step);
    this.#tail = next.catch(() => {});
    return next;
  }

  async #control(message: ControlMessage): Promise<void> {
    await this.#redis.publish(this.#keys.control, JSON.stringify(message));
  }

  #remaining(): number {
    return this.#table.pending.length + this.#table.runs.size;
  }
}
