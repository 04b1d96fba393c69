/**
 * Engine events → ComfyUI WebSocket messages for one prompt (ComfyUI execution.py `PromptExecutor.execute`), with ComfyUI's
 * routing rules (server.py `send_sync`: execution messages only to the prompt's `client_id`; progress and
 * previews to it, or to everyone without one) attached to each message. Pure: the hub decides where to send, the embedded
 * queue reuses it to record the same payloads into history.
 */
import type { EngineEvent, ErrorInfo, Preview, UiPayload } from '@loom/engine';

/**
 * - `client`: only to the prompt's client; dropped when the prompt has none.
 * - `client-or-all`: to the prompt's client, or broadcast when it has none (progress, previews, interrupt).
 */
export type Audience = 'client' | 'client-or-all';

export type ComfyMessage =
  | { kind: 'json'; type: string; data: Record<string, unknown>; to: Audience }
  | { kind: 'preview'; preview: Preview; nodeId: string; promptId: string; to: Audience };

interface NodeProgress {
  value: number;
  max: number;
  state: 'running' | 'finished' | 'error';
}

export class ComfyTranslator {
  readonly #executed: string[] = [];
  readonly #progress = new Map<string, NodeProgress>();
  #lastNode: string | null = null;

  constructor(
    readonly promptId: string,
    private readonly classTypes: Record<string, string> = {},
    private readonly now: () => number = Date.now,
  ) {}

  /** The node that started last (ComfyUI re-sends it as `executing` to a client that reconnects). */
  get lastNode(): string | null {
    return this.#lastNode;
  }

  translate(event: EngineEvent): ComfyMessage[] {
    const prompt_id = this.promptId;
    switch (event.type) {
      case 'run.started':
        return [
          this.#json('execution_start', { prompt_id, timestamp: this.now() }),
          this.#json('execution_cached', { nodes: event.cached, prompt_id, timestamp: this.now() }),
        ];
      case 'node.cached':
        this.#executed.push(event.nodeId);
        // ComfyUI re-sends a cached output node's ui, without an `executing` before it.
        return event.ui ? [this.#executed_(event.nodeId, event.ui)] : [];
      case 'node.started':
        this.#lastNode = event.nodeId;
        this.#progress.set(event.nodeId, { value: 0, max: 1, state: 'running' });
        return [this.#progressState(), this.#json('executing', { node: event.nodeId, display_node: event.nodeId, prompt_id })];
      case 'node.progress': {
        const out: ComfyMessage[] = [];
        this.#progress.set(event.nodeId, { value: event.value, max: event.max, state: 'running' });
        out.push({ kind: 'json', type: 'progress', data: { value: event.value, max: event.max, prompt_id, node: event.nodeId }, to: 'client-or-all' });
        out.push(this.#progressState());
        if (event.preview) out.push({ kind: 'preview', preview: event.preview, nodeId: event.nodeId, promptId: prompt_id, to: 'client-or-all' });
        return out;
      }
      case 'node.finished': {
        this.#executed.push(event.nodeId);
        const max = this.#progress.get(event.nodeId)?.max ?? 1;
        this.#progress.set(event.nodeId, { value: max, max, state: 'finished' });
        const out: ComfyMessage[] = [this.#progressState()];
        if (event.ui) out.push(this.#executed_(event.nodeId, event.ui));
        return out;
      }
      case 'node.failed': {
        const current = this.#progress.get(event.nodeId) ?? { value: 0, max: 1 };
        this.#progress.set(event.nodeId, { ...current, state: 'error' });
        return [this.#progressState()];
      }
      // ComfyUI's frontend leaves muted and bypassed nodes out of the prompt: its clients hear nothing of them.
      case 'node.log':
      case 'node.skipped':
        return [];
      case 'run.finished':
        return [this.#json('execution_success', { prompt_id, timestamp: this.now() })];
      case 'run.failed':
        return [this.#json('execution_error', this.errorPayload(event.error))];
      case 'run.cancelled': {
        const nodeId = event.nodeId ?? this.#lastNode;
        return [
          {
            kind: 'json',
            type: 'execution_interrupted',
            data: {
              prompt_id,
              node_id: nodeId,
              node_type: nodeId === null ? null : this.#classOf(nodeId),
              executed: [...this.#executed],
              timestamp: this.now(),
            },
            to: 'client-or-all',
          },
        ];
      }
    }
  }

  /** ComfyUI's `execution_error` payload for a failure (also used when a prompt dies with the server). */
  errorPayload(error: ErrorInfo): Record<string, unknown> {
    const nodeId = error.nodeId ?? this.#lastNode;
    return {
      prompt_id: this.promptId,
      node_id: nodeId,
      node_type: nodeId === null ? null : this.#classOf(nodeId),
      executed: [...this.#executed],
      exception_message: error.message,
      exception_type: error.code,
      traceback: [],
      current_inputs: {},
      current_outputs: [],
      timestamp: this.now(),
    };
  }

  /** The end marker, sent after history is stored and the `status` broadcast. */
  finalExecuting(): ComfyMessage {
    return this.#json('executing', { node: null, prompt_id: this.promptId });
  }

  #executed_(nodeId: string, ui: UiPayload): ComfyMessage {
    return this.#json('executed', { node: nodeId, display_node: nodeId, output: ui, prompt_id: this.promptId });
  }

  #progressState(): ComfyMessage {
    const nodes: Record<string, unknown> = {};
    for (const [id, p] of this.#progress) {
      nodes[id] = { ...p, node_id: id, prompt_id: this.promptId, display_node_id: id, parent_node_id: null, real_node_id: id };
    }
    return { kind: 'json', type: 'progress_state', data: { prompt_id: this.promptId, nodes }, to: 'client-or-all' };
  }

  #classOf(nodeId: string): string {
    return this.classTypes[nodeId] ?? '';
  }

  #json(type: string, data: Record<string, unknown>): ComfyMessage {
    return { kind: 'json', type, data, to: 'client' };
  }
}
