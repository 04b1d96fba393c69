/**
 * The worker's handle on its engine thread (see thread-protocol.ts for why there is one): `run()`
 * resolves when the prompt succeeded and rejects with the engine's LoomError otherwise, like
 * `Engine.run`. If the thread dies, the running prompt fails and the next one starts a new thread.
 */
import { Worker } from 'node:worker_threads';
import { LoomError, type EngineEvent, type Graph } from '@loom/engine';
import type { NodePackConfig } from '@loom/nodes';
import type { FromThread, HostFactory, ToThread } from './thread-protocol.ts';

export interface RunRequest {
  runId: string;
  signal: AbortSignal;
  targets: string[];
  onEvent: (event: EngineEvent) => void;
}

/** What a successful run measured. */
export interface RunStats {
  /** Wall time spent creating object-cache entries: loading, for a run whose pipelines were cold. */
  createMs: number;
}

interface Current {
  promptId: string;
  onEvent: (event: EngineEvent) => void;
  settle: (error?: LoomError, stats?: RunStats) => void;
}

export class ThreadEngine {
  #thread: Worker | null = null;
  #ready: Promise<NodePackConfig> | null = null;
  #current: Current | null = null;
  #freed: (() => void) | null = null;
  #cacheEntries = 0;
  #closing = false;

  private constructor(
    private readonly factory: HostFactory,
    /** Folders, device and threads, as the thread's host resolved them. */
    public config: NodePackConfig,
    private readonly log: (message: string) => void,
  ) {}

  static async start(factory: HostFactory, log: (message: string) => void): Promise<ThreadEngine> {
    const engine = new ThreadEngine(factory, {} as NodePackConfig, log);
    engine.config = await engine.#spawn();
    return engine;
  }

  /** Object-cache entries as of the last run or free: 0 means nothing is loaded. */
  get cacheEntries(): number {
    return this.#cacheEntries;
  }

  async run(graph: Graph, request: RunRequest): Promise<RunStats> {
    await this.#spawn();
    const thread = this.#thread as Worker;
    return new Promise<RunStats>((resolve, reject) => {
      const abort = (): void => this.#post({ type: 'abort', promptId: request.runId });
      request.signal.addEventListener('abort', abort);
      this.#current = {
        promptId: request.runId,
        onEvent: request.onEvent,
        settle: (error, stats) => {
          request.signal.removeEventListener('abort', abort);
          this.#current = null;
          if (error) reject(error);
          else resolve(stats ?? { createMs: 0 });
        },
      };
      thread.postMessage({ type: 'run', promptId: request.runId, graph, targets: request.targets } satisfies ToThread);
      if (request.signal.aborted) abort();
    });
  }

  /** Drops loaded models (and cached results with `freeMemory`), between prompts. */
  async free(options: { unloadModels: boolean; freeMemory: boolean }): Promise<void> {
    await this.#spawn();
    await new Promise<void>((resolve) => {
      this.#freed = resolve;
      this.#post({ type: 'free', ...options });
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#thread?.terminate();
  }

  #spawn(): Promise<NodePackConfig> {
    if (this.#ready) return this.#ready;
    // A thread is a fresh isolate: run as TypeScript it registers tsx for itself (engine-thread.mjs);
    // the build (dist/) starts its compiled entry, and inherits the bin's --conditions=loom-dist.
    const entry = import.meta.url.endsWith('.ts') ? './engine-thread.mjs' : './engine-thread-main.js';
    const thread = new Worker(new URL(entry, import.meta.url), { workerData: this.factory });
    this.#thread = thread;
    this.#ready = new Promise<NodePackConfig>((resolve, reject) => {
      thread.on('message', (message: FromThread) => {
        if (message.type === 'ready') resolve(message.config);
        else this.#onMessage(message);
      });
      thread.once('error', (err) => {
        reject(err);
        this.log(`The engine thread failed: ${err.stack ?? err.message}`);
      });
      thread.once('exit', (code) => {
        reject(new Error(`The engine thread exited (${code}) before it was ready.`));
        this.#thread = null;
        this.#ready = null;
        if (!this.#closing)
          this.#current?.settle(new LoomError('NODE_FAILED', `The worker's engine thread stopped (exit code ${code}) while it ran this prompt.`));
      });
    });
    return this.#ready;
  }

  #onMessage(message: FromThread): void {
    if (message.type === 'event') {
      if (message.promptId === this.#current?.promptId) this.#current.onEvent(message.event);
    } else if (message.type === 'done') {
      this.#cacheEntries = message.cacheEntries;
      if (message.promptId !== this.#current?.promptId) return;
      const e = message.error;
      this.#current.settle(
        e &&
          new LoomError(e.code, e.message, {
            ...(e.nodeId !== undefined && { nodeId: e.nodeId }),
            ...(e.input !== undefined && { input: e.input }),
            ...(e.problems && { problems: e.problems }),
          }),
        { createMs: message.createMs },
      );
    } else if (message.type === 'freed') {
      this.#cacheEntries = message.cacheEntries;
      this.#freed?.();
      this.#freed = null;
    }
  }

  #post(message: ToThread): void {
    this.#thread?.postMessage(message);
  }
}
