/**
 * What a worker advertises for routing: device, memory, the pipelines in its models folder, and the
 * ones it has loaded. The engine's object cache is keyed by content (paths, sizes, mtimes), not by
 * pipeline name, so "loaded" is the pipelines of the most recent prompts, forgotten when the cache is
 * emptied (`/free`) or holds nothing. With the default 8 GiB budget two SD1.5 pipelines fit.
 */
import os from 'node:os';
import type { NodePackConfig } from '@loom/nodes';
import { ModelFolders } from '../files/model-folders.ts';
import type { WorkerAdvert } from '../redis/wire.ts';
import type { RunCosts } from './run-costs.ts';

/** The distinct pipelines of recent prompts, most recent last. */
export class RecentModels {
  #recent: string[] = [];

  constructor(readonly capacity = 2) {}

  used(models: readonly string[]): void {
    for (const model of models) {
      this.#recent = this.#recent.filter((m) => m !== model);
      this.#recent.push(model);
    }
    if (this.#recent.length > this.capacity) this.#recent = this.#recent.slice(this.#recent.length - this.capacity);
  }

  clear(): void {
    this.#recent = [];
  }

  /** What is loaded, given how many entries the object cache holds now. */
  loaded(cacheEntries: number): string[] {
    return cacheEntries === 0 ? [] : [...this.#recent];
  }
}

export interface AdvertState {
  id: string;
  instance: string;
  ttlMs: number;
  startedAt: number;
  busyWith: string | null;
  costs: RunCosts;
}

/** `cacheEntries`: how many entries the engine's object cache holds (0: nothing is loaded). */
export async function buildAdvert(config: NodePackConfig, cacheEntries: number, recent: RecentModels, state: AdvertState): Promise<WorkerAdvert> {
  const folders = new ModelFolders({ modelsDir: config.modelsDir, inputDir: config.inputDir, outputDir: config.outputDir, tempDir: config.tempDir });
  return {
    id: state.id,
    instance: state.instance,
    ttlMs: state.ttlMs,
    hostname: os.hostname(),
    pid: process.pid,
    device: config.device,
    threads: config.threads,
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem(), rssBytes: process.memoryUsage().rss },
    models: await folders.pipelines(),
    loaded: recent.loaded(cacheEntries),
    loadMs: { ...state.costs.loadMs },
    runMs: { ...state.costs.runMs },
    state: state.busyWith === null ? 'idle' : 'busy',
    ...(state.busyWith !== null && { promptId: state.busyWith }),
    startedAt: state.startedAt,
    lastSeen: Date.now(),
  };
}
