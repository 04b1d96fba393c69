/**
 * Queueing and cancelling runs. Before a run the graph is validated on the server and every problem
 * is marked on its node and input; seeds set to "random" get new values first. While it runs, the
 * prompt's events (from /loom/ws) drive each node's state, step bar and live preview; when it ends,
 * the gallery reloads its history.
 */
import { api, ApiError, submitProblems } from '../api/client.ts';
import { LiveSocket } from '../api/live-socket.ts';
import type { EngineEvent, HistoryItem, Problem } from '../api/types.ts';
import type { LoomEditor } from '../editor/loom-editor.ts';
import { createStore, type Store } from '../ui/store.ts';
import { nodeRunFor } from './run-events.ts';

export type RunPhase = 'idle' | 'validating' | 'queued' | 'running' | 'success' | 'error' | 'interrupted';

export interface RunState {
  phase: RunPhase;
  promptId?: string;
  /** Status line: what happened last. */
  message: string;
  /** Problems that name no node (e.g. "no output node"). */
  graphProblems: Problem[];
  queueRemaining: number;
  connected: boolean;
  history: HistoryItem[];
}

export class RunController {
  readonly state: Store<RunState> = createStore<RunState>({ phase: 'idle', message: '', graphProblems: [], queueRemaining: 0, connected: false, history: [] });
  readonly #socket: LiveSocket;
  readonly #pending = new Map<string, { event: EngineEvent; url?: string }>();
  #frame: number | undefined;

  constructor(private readonly loom: LoomEditor) {
    this.#socket = new LiveSocket({
      event: (promptId, event, preview) => this.#onEvent(promptId, event, preview),
      done: (promptId, outcome, error) => this.#onDone(promptId, outcome, error?.message),
      queue: (remaining) => this.state.set({ queueRemaining: remaining }),
      connection: (open) => this.state.set({ connected: open }),
    });
    void this.refreshHistory();
  }

  /** Validates, then submits the current graph. Resolves with the prompt id, or null if it did not go. */
  async queue(): Promise<string | null> {
    this.loom.randomizeSeeds();
    const graph = this.loom.toGraph();
    this.state.set({ phase: 'validating', message: 'Checking the graph…', graphProblems: [] });
    try {
      const check = await api.validate(graph);
      if (!check.ok) return this.#invalid(check.problems);
      this.loom.setProblems([]);
      const { promptId } = await api.submit(graph, this.#socket.clientId);
      this.state.set({ phase: 'queued', promptId, message: `Queued ${promptId.slice(0, 8)}` });
      return promptId;
    } catch (err) {
      const problems = submitProblems(err);
      if (problems && problems.length > 0) return this.#invalid(problems);
      this.state.set({ phase: 'error', message: err instanceof ApiError ? err.message : `Cannot reach the server: ${(err as Error).message}` });
      return null;
    }
  }

  #invalid(problems: Problem[]): null {
    const rest = this.loom.setProblems(problems);
    this.state.set({ phase: 'error', message: `${problems.length} problem${problems.length === 1 ? '' : 's'} to fix before running (marked on the nodes).`, graphProblems: rest });
    return null;
  }

  /** Cancels the current prompt (removes it if still pending, interrupts it if running). */
  async cancel(): Promise<void> {
    const { promptId } = this.state.get();
    if (!promptId) return;
    try {
      const { action } = await api.cancel(promptId);
      this.state.set({ message: action === 'removed' ? 'Removed from the queue.' : 'Cancelling…' });
      if (action === 'removed') {
        this.loom.resetRun();
        this.state.set({ phase: 'interrupted' });
      }
    } catch (err) {
      this.state.set({ message: (err as Error).message });
    }
  }

  #onEvent(promptId: string, event: EngineEvent, preview?: Blob): void {
    if (event.type === 'node.progress') {
      // Steps can arrive faster than frames: keep the latest per node and draw once per frame.
      const previous = this.#pending.get(event.nodeId);
      const url = preview ? URL.createObjectURL(preview) : previous?.url;
      if (previous?.url && previous.url !== url) URL.revokeObjectURL(previous.url);
      this.#pending.set(event.nodeId, { event, ...(url && { url }) });
      this.#frame ??= requestAnimationFrame(() => this.#flush());
      return;
    }
    this.#flush();
    if (event.type === 'run.started') this.state.set({ phase: 'running', promptId, message: `Running: ${event.toExecute.length} to run, ${event.cached.length} cached` });
    this.#apply(event);
    if (event.type === 'run.failed' && event.error.problems) this.loom.setProblems(event.error.problems);
  }

  #flush(): void {
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
    for (const { event, url } of this.#pending.values()) {
      if (event.type === 'node.progress') this.state.set({ message: `${event.nodeId}: step ${event.value}/${event.max}` });
      this.#apply(event, url);
    }
    this.#pending.clear();
  }

  #apply(event: EngineEvent, previewUrl?: string): void {
    for (const node of this.loom.nodes()) {
      const next = nodeRunFor(node.id, node.run, event, previewUrl);
      if (next) this.loom.setRun(node.id, next);
    }
  }

  #onDone(promptId: string, outcome: 'success' | 'error' | 'interrupted', error?: string): void {
    if (promptId !== this.state.get().promptId) return;
    const message = outcome === 'success' ? 'Finished.' : outcome === 'interrupted' ? 'Cancelled.' : `Failed: ${error ?? 'unknown error'}`;
    this.state.set({ phase: outcome, message });
    void this.refreshHistory();
  }

  async refreshHistory(): Promise<void> {
    try {
      const { items } = await api.history(60);
      this.state.set({ history: items });
    } catch {
      // The status bar already shows a lost connection; history comes back with it.
    }
  }

  close(): void {
    this.#socket.close();
  }
}
