/**
 * Releases pending prompts into BullMQ as workers become free, following {@link route}. A prompt stays
 * in the server's pending set until a worker can take it, so ComfyUI's queue operations (move, delete,
 * clear, `front`) act on it exactly as in embedded mode, and the BullMQ queues only ever hold jobs that
 * are about to start. The chosen worker is woken on the control channel and reserved until a claim
 * shows up (by it, or by another worker that polled first).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Redis } from 'ioredis';
import type { NodeRegistry } from '@loom/engine';
import { existingFileInside } from '../http/safe-path.ts';
import { inputFileNames } from './job-needs.ts';
import type { JobQueues } from './job-queues.ts';
import type { PromptTable, StoredPrompt } from './prompt-table.ts';
import { queueNameFor, type RedisKeys } from './redis-keys.ts';
import { expectedRunMs, remainingMs, route, type RoutableWorker } from './routing.ts';
import type { ControlMessage, InputFile, JobData, WorkerAdvert } from './wire.ts';

export interface DispatcherOptions {
  /** Route by measured cost to workers with the pipelines loaded (see routing.ts); off: first idle worker. */
  affinity: boolean;
  /** How long a woken worker has to claim its job before it counts as idle again. */
  reserveMs: number;
}

export class Dispatcher {
  readonly #reservations = new Map<string, { promptId: string; at: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly table: PromptTable,
    private readonly jobs: JobQueues,
    private readonly registry: NodeRegistry,
    private readonly inputDir: string,
    private readonly options: DispatcherOptions,
  ) {}

  /** Hands pending prompts (except `gated` ones) to idle workers; call inside the queue's serial section. */
  async dispatch(workers: WorkerAdvert[], gated: ReadonlySet<string>, now: number): Promise<number> {
    for (const [workerId, r] of this.#reservations) if (now - r.at > this.options.reserveMs) this.#reservations.delete(workerId);
    // The stream is the authority on who runs what: an advert can lag a claim or an ending by a beat.
    const busy = new Set([...this.table.runs.values()].filter((r) => r.state === 'running' && r.worker).map((r) => r.worker as string));
    const stillBusy = (w: WorkerAdvert): boolean => w.state === 'busy' && w.promptId !== undefined && this.table.runs.get(w.promptId)?.worker === w.id;
    const routable: RoutableWorker[] = workers.map((w) => {
      const idle = !busy.has(w.id) && !stillBusy(w) && !this.#reservations.has(w.id);
      return { id: w.id, models: w.models, loaded: w.loaded, idle, freeInMs: idle ? 0 : this.#freeInMs(w, now), loadMs: w.loadMs, runMs: w.runMs };
    });
    const candidates = this.table.pending.filter((p) => !gated.has(p.prompt.promptId));
    const byId = new Map(candidates.map((p) => [p.prompt.promptId, p]));
    const assignments = route(
      candidates.map((p) => ({ promptId: p.prompt.promptId, models: p.models })),
      routable,
      this.options.affinity,
    );
    for (const { promptId, workerId } of assignments) {
      const stored = byId.get(promptId);
      if (stored) await this.#release(stored, workerId, now);
    }
    return assignments.length;
  }

  /** Expected ms until a busy worker is free: what is left of the prompt it runs (or was handed), by its own run times. */
  #freeInMs(worker: WorkerAdvert, now: number): number {
    const reserved = this.#reservations.get(worker.id);
    const run = [...this.table.runs.values()].find((r) => (r.state === 'running' && r.worker === worker.id) || r.stored.prompt.promptId === reserved?.promptId);
    if (!run) return 0;
    const estimate = expectedRunMs(worker, run.stored.models);
    return run.state === 'running' && run.startedAt !== undefined ? remainingMs(estimate, now - run.startedAt) : estimate;
  }

  /** A worker claimed a prompt: whatever was reserved for it, or for that prompt, is settled. */
  claimed(promptId: string, workerId: string): void {
    this.#reservations.delete(workerId);
    for (const [id, r] of this.#reservations) if (r.promptId === promptId) this.#reservations.delete(id);
  }

  async #release(stored: StoredPrompt, workerId: string, now: number): Promise<void> {
    const id = stored.prompt.promptId;
    const jobId = `${id}.r${await this.redis.incr(this.keys.dispatchCounter)}`;
    const queue = queueNameFor(stored.models);
    const data: JobData = {
      promptId: id,
      graph: stored.prompt.graph,
      targets: stored.prompt.targets,
      models: stored.models,
      inputs: await this.#inputs(stored),
    };
    await this.table.markDispatched(stored, jobId, queue, now);
    await this.jobs.add(queue, jobId, data);
    this.#reservations.set(workerId, { promptId: id, at: now });
    const wake: ControlMessage = { type: 'wake', worker: workerId, queue };
    await this.redis.publish(this.keys.control, JSON.stringify(wake));
  }

  /** Uploaded input files the graph reads; a missing one is left for the worker's node to report. */
  async #inputs(stored: StoredPrompt): Promise<InputFile[]> {
    const files: InputFile[] = [];
    for (const rel of inputFileNames(stored.prompt.graph, this.registry)) {
      const subfolder = dirname(rel) === '.' ? '' : dirname(rel);
      try {
        const path = await existingFileInside(this.inputDir, subfolder, basename(rel));
        files.push({ subfolder, filename: basename(rel), data: (await readFile(path)).toString('base64') });
      } catch {
        continue;
      }
    }
    return files;
  }
}
