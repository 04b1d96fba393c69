/**
 * Builds a prompt's history record from its engine events: ComfyUI's `outputs` (ui of every output
 * node, cached ones included, as ComfyUI's execution.py records cached outputs), `status.messages` with the same payloads the
 * WebSocket carried, and `meta`.
 */
import type { EngineEvent, ErrorInfo, UiPayload } from '@loom/engine';
import type { PromptOutcome, QueuedPrompt } from '../queue/prompt-queue.ts';
import type { ComfyHistoryEntry, HistoryMessage, HistoryRecord } from '../store/history-types.ts';
import { ComfyTranslator } from './comfy-translator.ts';

const RECORDED = new Set(['execution_start', 'execution_cached', 'execution_success', 'execution_error', 'execution_interrupted']);

export class HistoryRecorder {
  readonly #translator: ComfyTranslator;
  readonly #messages: HistoryMessage[] = [];
  readonly #outputs: Record<string, UiPayload> = {};
  readonly #executed: string[] = [];
  readonly #cached: string[] = [];
  #startedAt: number | undefined;
  #error: ErrorInfo | undefined;

  constructor(readonly prompt: QueuedPrompt) {
    this.#translator = new ComfyTranslator(prompt.promptId, prompt.classTypes);
  }

  record(event: EngineEvent): void {
    if (event.type === 'run.started') this.#startedAt = Date.now();
    if ((event.type === 'node.cached' || event.type === 'node.finished') && event.ui) this.#outputs[event.nodeId] = event.ui;
    if (event.type === 'node.finished') this.#executed.push(event.nodeId);
    if (event.type === 'node.cached') this.#cached.push(event.nodeId);
    if (event.type === 'run.failed') this.#error = event.error;
    for (const message of this.#translator.translate(event)) {
      if (message.kind === 'json' && RECORDED.has(message.type)) this.#messages.push([message.type, message.data]);
    }
  }

  /** Records a failure that produced no engine event (the server died mid-run, a host error). */
  recordFailure(error: ErrorInfo): void {
    this.#error = error;
    if (!this.#messages.some(([type]) => type === 'execution_start')) {
      this.#messages.push(['execution_start', { prompt_id: this.prompt.promptId, timestamp: Date.now() }]);
    }
    this.#messages.push(['execution_error', this.#translator.errorPayload(error)]);
  }

  finish(outcome: PromptOutcome): Omit<HistoryRecord, 'seq'> {
    const p = this.prompt;
    const meta: ComfyHistoryEntry['meta'] = {};
    for (const id of Object.keys(this.#outputs)) meta[id] = { node_id: id, display_node: id, parent_node: null, real_node_id: id };
    const entry: ComfyHistoryEntry = {
      prompt: [p.number, p.promptId, p.prompt, p.extraData, p.targets],
      outputs: this.#outputs,
      // ComfyUI's history reports an interrupt as an error too (`status_str` "error", `completed` false).
      status: { status_str: outcome === 'success' ? 'success' : 'error', completed: outcome === 'success', messages: this.#messages },
      meta,
    };
    return {
      promptId: p.promptId,
      entry,
      loom: {
        format: p.format,
        outcome,
        ...(p.clientId !== undefined && { clientId: p.clientId }),
        createdAt: p.createdAt,
        ...(this.#startedAt !== undefined && { startedAt: this.#startedAt }),
        finishedAt: Date.now(),
        executed: this.#executed,
        cached: this.#cached,
        ...(this.#error !== undefined && { error: this.#error }),
      },
    };
  }
}
