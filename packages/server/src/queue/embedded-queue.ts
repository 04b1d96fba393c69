/**
 * The default queue: one prompt at a time in this process, on the host's engine, persisted in the
 * data dir. After a crash, pending prompts are still pending; the prompt that was running is recorded
 * in history as failed ("the server stopped while it ran") and is NOT re-run, because a prompt that
 * crashes the server (out of memory) would otherwise crash it again on every start.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LoomError, toLoomError, type Engine, type EngineEvent, type ErrorInfo } from '@loom/engine';
import { redactEvent, type PathRedactor } from '../http/redact-paths.ts';
import { HistoryRecorder } from '../events/history-recorder.ts';
import { CoalescingWriter } from '../store/atomic-write.ts';
import type { HistoryStore } from '../store/history-types.ts';
import { readQueueFile, type QueueFile } from './queue-file.ts';
import { QueueListeners } from './queue-listeners.ts';
import type { FreeOptions, PromptOutcome, PromptQueue, QueueListener, QueuedPrompt, QueueSnapshot, SubmitOptions } from './prompt-queue.ts';

export interface EmbeddedQueueOptions {
  engine: Engine;
  history: HistoryStore;
  dataDir: string;
  log?: (message: string) => void;
  /** Applied to failure and log events before clients and history see them (no server paths). */
  redact?: PathRedactor;
}

interface Running {
  prompt: QueuedPrompt;
  controller: AbortController;
  lastNode: string | null;
  done: Promise<void>;
}

export const RESTART_MESSAGE =
  'The server stopped (killed or crashed) while this prompt was running, so it did not finish. It was not re-run automatically; submit it again.';

export class EmbeddedQueue implements PromptQueue {
  readonly #engine: Engine;
  readonly #history: HistoryStore;
  readonly #log: (message: string) => void;
  readonly #writer: CoalescingWriter;
  readonly #events: QueueListeners;
  /** Pending prompts sorted by number (ties keep submission order). */
  #pending: QueuedPrompt[] = [];
  /** Pending prompts whose start gate has not opened yet. */
  readonly #gated = new Set<string>();
  #counter = 0;
  #running: Running | null = null;
  #free: FreeOptions = { unloadModels: false, freeMemory: false };
  #started = false;

  constructor(private readonly options: EmbeddedQueueOptions) {
    this.#engine = options.engine;
    this.#history = options.history;
    this.#log = options.log ?? (() => {});
    this.#events = new QueueListeners(this.#log);
    this.#writer = new CoalescingWriter(join(options.dataDir, 'queue.json'), () => JSON.stringify(this.#fileState()));
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await mkdir(this.options.dataDir, { recursive: true });
    const file = await readQueueFile(join(this.options.dataDir, 'queue.json'), this.#log);
    this.#counter = file.counter;
    this.#pending = [...file.pending].sort((a, b) => a.number - b.number);
    if (file.running) await this.#recoverInterrupted(file.running);
    await this.#writer.write();
    this.#pump();
  }

  async #recoverInterrupted(prompt: QueuedPrompt): Promise<void> {
    // The history entry may already be stored: the crash came between storing it and leaving `running`.
    if (this.#history.get(prompt.promptId)) return;
    const recorder = new HistoryRecorder(prompt);
    recorder.recordFailure({ code: 'CANCELLED', message: RESTART_MESSAGE });
    await this.#history.put(recorder.finish('error'));
    this.#log(`Prompt ${prompt.promptId} was running when the server stopped; recorded as failed.`);
  }

  async submit(prompt: QueuedPrompt, options: SubmitOptions = {}): Promise<void> {
    this.#events.assertOpen();
    if (this.#running?.prompt.promptId === prompt.promptId || this.#pending.some((p) => p.promptId === prompt.promptId)) {
      throw new LoomError('USAGE', `A prompt with id "${prompt.promptId}" is already queued.`);
    }
    const at = this.#pending.findIndex((p) => p.number > prompt.number);
    this.#pending.splice(at < 0 ? this.#pending.length : at, 0, prompt);
    if (options.gate) {
      this.#gated.add(prompt.promptId);
      const open = (): void => {
        this.#gated.delete(prompt.promptId);
        this.#pump();
      };
      options.gate.then(open, open);
    }
    await this.#writer.write();
    this.#events.emit({ type: 'queue.changed', remaining: this.#remaining() });
    this.#pump();
  }

  async snapshot(): Promise<QueueSnapshot> {
    return { running: this.#running ? [this.#running.prompt] : [], pending: [...this.#pending] };
  }

  async remaining(): Promise<number> {
    return this.#remaining();
  }

  async nextNumber(front: boolean): Promise<number> {
    const n = this.#counter++;
    return front ? -n : n;
  }

  async remove(promptIds: string[]): Promise<string[]> {
    const ids = new Set(promptIds);
    const removed = this.#pending.filter((p) => ids.has(p.promptId)).map((p) => p.promptId);
    if (removed.length === 0) return [];
    this.#pending = this.#pending.filter((p) => !ids.has(p.promptId));
    await this.#changed();
    return removed;
  }

  async clear(): Promise<number> {
    const count = this.#pending.length;
    this.#pending = [];
    if (count > 0) await this.#changed();
    return count;
  }

  async move(promptId: string, index: number): Promise<boolean> {
    const from = this.#pending.findIndex((p) => p.promptId === promptId);
    if (from < 0) return false;
    const [prompt] = this.#pending.splice(from, 1) as [QueuedPrompt];
    const to = Math.max(0, Math.min(index, this.#pending.length));
    const before = this.#pending[to - 1]?.number;
    const after = this.#pending[to]?.number;
    // Order is by number alone (as in ComfyUI's heap), so a move picks a number between the neighbours.
    if (before !== undefined && after !== undefined) prompt.number = (before + after) / 2;
    else if (after !== undefined) prompt.number = after - 1;
    else if (before !== undefined) prompt.number = before + 1;
    this.#pending.splice(to, 0, prompt);
    await this.#changed();
    return true;
  }

  async interrupt(promptId?: string): Promise<boolean> {
    const running = this.#running;
    if (!running || (promptId !== undefined && running.prompt.promptId !== promptId)) return false;
    running.controller.abort();
    return true;
  }

  async free(options: FreeOptions): Promise<void> {
    this.#free = { unloadModels: this.#free.unloadModels || options.unloadModels, freeMemory: this.#free.freeMemory || options.freeMemory };
    if (!this.#running) await this.#applyFree();
  }

  currentNode(): { promptId: string; clientId?: string; nodeId: string } | null {
    const running = this.#running;
    if (!running?.lastNode) return null;
    const { promptId, clientId } = running.prompt;
    return { promptId, nodeId: running.lastNode, ...(clientId !== undefined && { clientId }) };
  }

  on(listener: QueueListener): () => void {
    return this.#events.on(listener);
  }

  /** Stops taking prompts; a running prompt is interrupted and recorded before this resolves. */
  async close(): Promise<void> {
    this.#events.close();
    const running = this.#running;
    if (running) {
      running.controller.abort();
      await running.done;
    }
    await this.#writer.write();
  }

  #pump(): void {
    if (this.#events.closed || !this.#started || this.#running) return;
    const next = this.#pending[0];
    // Strict priority order: a head still behind its gate (its HTTP response not yet flushed) waits.
    if (!next || this.#gated.has(next.promptId)) return;
    this.#pending.shift();
    const running: Running = { prompt: next, controller: new AbortController(), lastNode: null, done: Promise.resolve() };
    this.#running = running;
    running.done = this.#execute(running).catch((err: unknown) => this.#log(`Queue worker error: ${(err as Error).stack ?? String(err)}`));
  }

  async #execute(running: Running): Promise<void> {
    const { prompt, controller } = running;
    // The queue file is rewritten in the background (coalesced with submissions): waiting for its fsync
    // would cost every prompt a disk round trip. If the server dies before it lands, the prompt is still
    // pending on restart and runs then, which is the safe side.
    this.#changedInBackground();
    const recorder = new HistoryRecorder(prompt);
    let sawEnd = false;
    const forward = (raw: EngineEvent): void => {
      const event = redactEvent(this.options.redact, raw);
      if (event.type === 'node.started') running.lastNode = event.nodeId;
      if (event.type === 'run.finished' || event.type === 'run.failed' || event.type === 'run.cancelled') sawEnd = true;
      recorder.record(event);
      this.#events.emit({
        type: 'prompt.event',
        promptId: prompt.promptId,
        classTypes: prompt.classTypes,
        event,
        ...(prompt.clientId !== undefined && { clientId: prompt.clientId }),
      });
    };
    let outcome: PromptOutcome = 'success';
    let error: ErrorInfo | undefined;
    try {
      await this.#engine.run(prompt.graph, { runId: prompt.promptId, signal: controller.signal, targets: prompt.targets, onEvent: forward });
    } catch (err) {
      const loomError = toLoomError(err, 'NODE_FAILED');
      outcome = loomError.code === 'CANCELLED' ? 'interrupted' : 'error';
      const info = loomError.toJSON();
      error = this.options.redact ? (this.options.redact.deep(info) as ErrorInfo) : info;
      // Failures before the run started (the graph no longer validates) still reach clients and history.
      if (!sawEnd)
        forward(outcome === 'interrupted' ? { type: 'run.cancelled', runId: prompt.promptId } : { type: 'run.failed', runId: prompt.promptId, error });
    }
    try {
      await this.#history.put(recorder.finish(outcome));
    } catch (err) {
      this.#log(`Could not store history for prompt ${prompt.promptId}: ${(err as Error).message}`);
    }
    // ComfyUI's order (execution.py `prompt_worker` → `PromptQueue.task_done`): history stored → prompt leaves running → status broadcast → end marker.
    // A crash before the queue file catches up finds the prompt "running" with its history stored: dropped.
    this.#running = null;
    this.#changedInBackground();
    this.#events.emit({
      type: 'prompt.done',
      promptId: prompt.promptId,
      outcome,
      ...(prompt.clientId !== undefined && { clientId: prompt.clientId }),
      ...(error && { error }),
    });
    await this.#applyFree();
    this.#pump();
  }

  async #applyFree(): Promise<void> {
    const { unloadModels, freeMemory } = this.#free;
    this.#free = { unloadModels: false, freeMemory: false };
    if (unloadModels || freeMemory) await this.#engine.objects.clear();
    if (freeMemory) this.#engine.outputCache.clear();
  }

  async #changed(): Promise<void> {
    await this.#writer.write();
    this.#events.emit({ type: 'queue.changed', remaining: this.#remaining() });
  }

  #changedInBackground(): void {
    this.#writer.write().catch((err: unknown) => this.#log(`Could not write the queue file: ${(err as Error).message}`));
    this.#events.emit({ type: 'queue.changed', remaining: this.#remaining() });
  }

  #remaining(): number {
    return this.#pending.length + (this.#running ? 1 : 0);
  }

  #fileState(): QueueFile {
    return { version: 1, counter: this.#counter, running: this.#running?.prompt ?? null, pending: this.#pending };
  }
}
