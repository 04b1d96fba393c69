/**
 * Turns the workers' stream records into the queue events routes and sockets consume, exactly as the
 * embedded queue produces them: engine events in order, the history entry stored, the prompt leaving
 * `running`, a status broadcast, then `prompt.done`.
 *
 * Only the current attempt counts. When a worker dies and its prompt runs again elsewhere, the new
 * claim starts a fresh history record; output files are published once per output node (the first
 * publication wins and later attempts re-use it), so a re-run never yields a second copy.
 */
import type { Redis } from 'ioredis';
import type { EngineEvent, UiPayload } from '@loom/engine';
import { HistoryRecorder } from '../events/history-recorder.ts';
import type { QueueEvent } from '../queue/prompt-queue.ts';
import type { HistoryStore } from '../store/history-types.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { OutputStore } from './output-store.ts';
import type { PromptTable, RunState } from './prompt-table.ts';
import type { RedisKeys } from './redis-keys.ts';
import type { StreamRecord } from './stream-reader.ts';
import { decodeEnd, decodeEvent, type FileRef } from './wire.ts';

export interface RecordHandlerDeps {
  redis: Redis;
  keys: RedisKeys;
  table: PromptTable;
  dispatcher: Dispatcher;
  outputs: OutputStore;
  history: HistoryStore;
  emit: (event: QueueEvent) => void;
  remaining: () => number;
  log: (message: string) => void;
}

export class RecordHandler {
  constructor(private readonly d: RecordHandlerDeps) {}

  async handle(record: StreamRecord): Promise<void> {
    const run = this.d.table.runs.get(record.promptId);
    if (run && record.kind === 'claimed') return this.#claimed(run, record);
    // Not the current attempt: the prompt finished, was withdrawn or requeued, or another attempt took over.
    if (!run || record.attempt !== run.attempt) return this.#discard(record);
    if (record.kind === 'event') {
      const { event, files } = decodeEvent(record.data);
      return this.#event(run, event, files);
    }
    return this.#end(run, record);
  }

  /** A superseded attempt's output files are never stored; their bytes leave Redis now rather than in a day. */
  async #discard(record: StreamRecord): Promise<void> {
    if (record.kind !== 'event') return;
    const { files } = decodeEvent(record.data);
    if (files.length > 0) await this.d.redis.del(...files.map((f) => f.key));
  }

  #claimed(run: RunState, record: StreamRecord): void {
    // After a server restart the table knows the latest attempt but none of its events yet (recorder null).
    if (record.attempt < run.attempt || (record.attempt === run.attempt && run.recorder)) return;
    const id = run.stored.prompt.promptId;
    if (run.recorder) this.d.log(`Prompt ${id}: worker ${run.worker} was lost; attempt ${record.attempt} runs on worker ${record.worker}.`);
    Object.assign(run, {
      attempt: record.attempt,
      state: 'running',
      worker: record.worker,
      instance: record.data,
      startedAt: Date.now(),
      recorder: new HistoryRecorder(run.stored.prompt),
      lastNode: null,
    });
    this.d.dispatcher.claimed(id, record.worker);
    this.d.emit({ type: 'queue.changed', remaining: this.d.remaining() });
  }

  async #event(run: RunState, event: EngineEvent, files: FileRef[]): Promise<void> {
    if ((event.type === 'node.finished' || event.type === 'node.cached') && event.ui) {
      this.#forward(run, { ...event, ui: await this.#publish(run, event.nodeId, event.ui, files) });
      return;
    }
    this.#forward(run, event);
  }

  #forward(run: RunState, event: EngineEvent): void {
    const prompt = run.stored.prompt;
    run.recorder ??= new HistoryRecorder(prompt);
    if (event.type === 'node.started') run.lastNode = { nodeId: event.nodeId, at: Date.now() };
    run.recorder.record(event);
    this.d.emit({
      type: 'prompt.event',
      promptId: prompt.promptId,
      classTypes: prompt.classTypes,
      event,
      ...(prompt.clientId !== undefined && { clientId: prompt.clientId }),
    });
  }

  /** Stores an output node's files once per prompt; a later attempt gets the first publication back. */
  async #publish(run: RunState, nodeId: string, ui: UiPayload, files: FileRef[]): Promise<UiPayload> {
    const key = this.d.keys.published(run.stored.prompt.promptId);
    const first = await this.d.redis.hget(key, nodeId);
    if (first !== null) {
      if (files.length > 0) await this.d.redis.del(...files.map((f) => f.key));
      return JSON.parse(first) as UiPayload; // written below by this server
    }
    let stored = ui;
    try {
      stored = await this.d.outputs.store(ui, files);
    } catch (err) {
      this.d.log(`Prompt ${run.stored.prompt.promptId}: could not store the outputs of node ${nodeId}: ${(err as Error).message}`);
    }
    await this.d.redis.hset(key, nodeId, JSON.stringify(stored));
    return stored;
  }

  async #end(run: RunState, record: StreamRecord): Promise<void> {
    const prompt = run.stored.prompt;
    const { outcome, event, error } = decodeEnd(record.data);
    this.#forward(run, event);
    try {
      await this.d.history.put((run.recorder as HistoryRecorder).finish(outcome));
    } catch (err) {
      this.d.log(`Could not store history for prompt ${prompt.promptId}: ${(err as Error).message}`);
    }
    // ComfyUI's order (ComfyUI main.py `prompt_worker`: `task_done` stores history before `executing` null): history stored → prompt leaves running → status → end marker.
    await this.d.table.forget(prompt.promptId);
    this.d.emit({ type: 'queue.changed', remaining: this.d.remaining() });
    this.d.emit({
      type: 'prompt.done',
      promptId: prompt.promptId,
      outcome,
      ...(prompt.clientId !== undefined && { clientId: prompt.clientId }),
      ...(error && { error }),
    });
  }
}
