/**
 * A Loom worker: takes graph jobs from BullMQ and runs them on its own engine, one at a time.
 *
 * Jobs sit in one BullMQ queue per pipeline set (see redis-keys.ts), so this worker only ever fetches
 * jobs it has the pipelines for, and a job whose worker died goes back to a queue that only capable
 * workers read. Fetching is BullMQ's manual mode (`getNextJob`), which lets one process serve several
 * queues with a single slot: the queue the server woke it for first, then pipelines it has loaded,
 * then the rest.
 *
 * Its advert, rewritten every heartbeat with a short TTL, is how the server notices it died: the server
 * requeues a dead worker's prompt within `deadAfterMs` (worker-registry.ts). Each queue's BullMQ
 * worker also runs the stalled-job check, the backstop that re-runs a job whose lock expired (a
 * worker cut off from Redis longer than `lockMs`).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Worker as BullWorker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { closeRedis, connectRedis } from '../redis/redis-connection.ts';
import { RedisKeys } from '../redis/redis-keys.ts';
import { RunScripts } from '../redis/run-scripts.ts';
import { ControlShape, type ControlMessage } from '../redis/wire.ts';
import { ADVERT_TTL_MS, lockToken, removeAdvert, writeAdvert } from '../redis/worker-registry.ts';
import { buildAdvert, RecentModels } from './capabilities.ts';
import { runJob } from './job-runner.ts';
import { RunCosts } from './run-costs.ts';
import type { ThreadEngine } from './thread-engine.ts';

export interface WorkerOptions {
  url: string;
  /** The engine thread that runs the prompts. */
  engine: ThreadEngine;
  prefix?: string;
  /** Unique in the cluster; default `<hostname>-<pid>`. */
  id?: string;
  /** Heartbeat TTL: silent this long, the worker is presumed dead and its prompt requeued (default 2 s; it heartbeats 4× as often). */
  deadAfterMs?: number;
  /** BullMQ lock, the backstop for a worker cut off from Redis: its job is re-run after this long (default 30 s). */
  lockMs?: number;
  /** How often each queue is checked for stalled jobs (default 5 s). */
  stalledIntervalMs?: number;
  /** Re-runs allowed after lost workers before the prompt fails (default 2). */
  maxStalledCount?: number;
  /** Checking the queues without a wake-up (default 1 s): picks up re-queued stalled jobs. */
  pollMs?: number;
  log?: (message: string) => void;
}

export class LoomWorker {
  readonly id: string;
  readonly instance = randomUUID();
  readonly #o: Required<Omit<WorkerOptions, 'id' | 'prefix'>>;
  readonly #keys: RedisKeys;
  readonly #recent = new RecentModels();
  readonly #costs = new RunCosts();
  readonly #bull = new Map<string, BullWorker>();
  readonly #interrupts = new Map<string, () => void>();
  readonly #startedAt = Date.now();
  #redis: Redis | null = null;
  #subscriber: Redis | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  /** A wake-up that arrived while not sleeping: the next sleep returns at once. */
  #woken = false;
  #adverts: Promise<void> = Promise.resolve();
  #hint: string | null = null;
  #busyWith: string | null = null;
  /** Pipelines in the models folder, as last advertised. */
  #models: string[] = [];
  #free = { unloadModels: false, freeMemory: false };
  #tokens = 0;
  #closing = false;

  constructor(options: WorkerOptions) {
    this.id = options.id ?? `${os.hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.-]/g, '-');
    this.#keys = new RedisKeys(options.prefix);
    this.#o = {
      url: options.url,
      engine: options.engine,
      deadAfterMs: options.deadAfterMs ?? ADVERT_TTL_MS,
      lockMs: options.lockMs ?? 30_000,
      stalledIntervalMs: options.stalledIntervalMs ?? 5000,
      maxStalledCount: options.maxStalledCount ?? 2,
      pollMs: options.pollMs ?? 1000,
      log: options.log ?? (() => {}),
    };
  }

  async start(): Promise<void> {
    const log = this.#o.log;
    this.#redis = connectRedis(this.#o.url, { name: `loom-worker-${this.id}`, log });
    this.#subscriber = connectRedis(this.#o.url, { name: `loom-worker-${this.id}-sub`, log });
    this.#subscriber.on('message', (_channel: string, text: string) => this.#onControl(text));
    await this.#subscriber.subscribe(this.#keys.control);
    await this.#advertise(true);
    // Four beats per TTL: three may be late (a busy event loop, a slow link) before the server gives up on it.
    this.#heartbeat = setInterval(
      () => void this.#advertise(false).catch((err: unknown) => log(`Heartbeat failed: ${(err as Error).message}`)),
      this.#o.deadAfterMs / 4,
    );
    this.#loop = this.#run();
  }

  /** Stops taking jobs, lets the running one finish, and leaves the cluster. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#wake?.();
    await this.#loop;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    const redis = this.#redis as Redis;
    await removeAdvert(redis, this.#keys, this.id).catch(() => {});
    await Promise.all([...this.#bull.values()].map((w) => w.close(true)));
    this.#subscriber?.disconnect();
    await closeRedis(redis);
    await this.#o.engine.close();
  }

  async #run(): Promise<void> {
    const redis = this.#redis as Redis;
    const scripts = new RunScripts(redis, this.#keys);
    while (!this.#closing) {
      try {
        await this.#applyFree();
        const next = await this.#fetch();
        if (!next) {
          await this.#sleep(this.#o.pollMs);
          continue;
        }
        const ctx = {
          engine: this.#o.engine,
          redis,
          keys: this.#keys,
          scripts,
          workerId: this.id,
          instance: this.instance,
          lockMs: this.#o.lockMs,
          log: this.#o.log,
          interrupts: this.#interrupts,
        };
        const loadedBefore = this.#recent.loaded(this.#o.engine.cacheEntries);
        const result = await runJob(ctx, next.job, next.token, {
          claimed: (promptId) => void this.#setBusy(promptId),
          ran: async (models, measured) => {
            if (measured)
              this.#costs.record(
                models,
                models.filter((m) => !loadedBefore.includes(m)),
                measured.wallMs,
                measured.createMs,
              );
            this.#recent.used(models);
            await this.#setBusy(null);
          },
        });
        this.#o.log(`Prompt ${result.promptId}: ${result.outcome}.`);
      } catch (err) {
        this.#o.log(`Worker loop error: ${(err as Error).stack ?? String(err)}`);
        await this.#sleep(this.#o.pollMs);
      } finally {
        if (this.#busyWith !== null) await this.#setBusy(null);
      }
    }
  }

  /** The next job this worker can run, trying the most suitable queues first. */
  async #fetch(): Promise<{ job: Job; token: string } | null> {
    const redis = this.#redis as Redis;
    const queues = await redis.hgetall(this.#keys.queues);
    // The models folder as of the last heartbeat: rescanning it for every fetch would cost each prompt.
    const onDisk = this.#models;
    const loaded = this.#recent.loaded(this.#o.engine.cacheEntries);
    const serve = (models: string[]): boolean => models.every((m) => onDisk.includes(m));
    const hot = (models: string[]): boolean => models.length > 0 && models.every((m) => loaded.includes(m));
    const eligible = Object.entries(queues)
      .map(([name, text]) => ({ name, models: JSON.parse(text) as string[] }))
      .filter((q) => serve(q.models))
      .sort(
        (a, b) =>
          Number(b.name === this.#hint) - Number(a.name === this.#hint) || Number(hot(b.models)) - Number(hot(a.models)) || a.name.localeCompare(b.name),
      );
    this.#hint = null;
    for (const { name } of eligible) {
      const token = lockToken(this.id, this.instance, ++this.#tokens);
      const job = await this.#bullWorker(name).getNextJob(token, { block: false });
      if (job) return { job, token };
    }
    return null;
  }

  #bullWorker(name: string): BullWorker {
    let worker = this.#bull.get(name);
    if (!worker) {
      worker = new BullWorker(name, null, {
        connection: this.#redis as Redis,
        prefix: this.#keys.bull,
        autorun: false,
        lockDuration: this.#o.lockMs,
        stalledInterval: this.#o.stalledIntervalMs,
        maxStalledCount: this.#o.maxStalledCount,
      });
      worker.on('error', (err) => this.#o.log(`BullMQ (${name}): ${err.message}`));
      // Manual fetching does not start the stalled-job check by itself.
      void worker.startStalledCheckTimer().catch((err: unknown) => this.#o.log(`Stalled check (${name}) failed: ${(err as Error).message}`));
      this.#bull.set(name, worker);
    }
    return worker;
  }

  #onControl(text: string): void {
    let message: ControlMessage;
    try {
      message = ControlShape.parse(JSON.parse(text));
    } catch {
      return;
    }
    if (message.type === 'interrupt') this.#interrupts.get(message.promptId)?.();
    else if (message.type === 'free')
      this.#free = { unloadModels: this.#free.unloadModels || message.unloadModels, freeMemory: this.#free.freeMemory || message.freeMemory };
    else if (message.worker === this.id || (message.worker === '*' && this.#busyWith === null)) {
      this.#hint = message.queue;
      this.#woken = true;
      this.#wake?.();
    }
  }

  /** Applied between prompts, as in embedded mode. */
  async #applyFree(): Promise<void> {
    const { unloadModels, freeMemory } = this.#free;
    if (!unloadModels && !freeMemory) return;
    this.#free = { unloadModels: false, freeMemory: false };
    await this.#o.engine.free({ unloadModels, freeMemory });
    this.#recent.clear();
    await this.#advertise(true);
  }

  async #setBusy(promptId: string | null): Promise<void> {
    this.#busyWith = promptId;
    await this.#advertise(true).catch((err: unknown) => this.#o.log(`Could not advertise: ${(err as Error).message}`));
  }

  /** Writes the advert; `changed` also tells the server to route now rather than on its next tick. */
  #advertise(changed: boolean): Promise<void> {
    // Chained, so a slow heartbeat can never land after (and undo) a newer state change.
    const next = this.#adverts.then(async () => {
      const redis = this.#redis as Redis;
      const state = {
        id: this.id,
        instance: this.instance,
        ttlMs: this.#o.deadAfterMs,
        startedAt: this.#startedAt,
        busyWith: this.#busyWith,
        costs: this.#costs,
      };
      const advert = await buildAdvert(this.#o.engine.config, this.#o.engine.cacheEntries, this.#recent, state);
      this.#models = advert.models;
      await writeAdvert(redis, this.#keys, advert);
      if (changed) await redis.publish(this.#keys.workerChanged, this.id);
    });
    this.#adverts = next.catch(() => {});
    return next;
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        this.#woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
