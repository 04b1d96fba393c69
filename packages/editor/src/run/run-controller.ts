/**
 * Queueing and cancelling runs. Before a run the graph is validated on the server and every problem
 * is marked on its node and input; seeds set to "random" get new values first. The events of this
 * tab's prompts drive each node's state, step bar and live preview; every prompt's events feed the
 * queue panel ({@link JobBoard}). The status line always names the job it describes; when a job
 * ends its live previews are dropped and the gallery reloads its history.
 */
import { api, ApiError, submitProblems } from '../api/client.ts';
import { LiveSocket } from '../api/live-socket.ts';
import type { EngineEvent, HistoryItem, Problem } from '../api/types.ts';
import type { LoomEditor } from '../editor/loom-editor.ts';
import { toast } from '../ui/app-state.ts';
import { createStore, type Store } from '../ui/store.ts';
import { JobBoard, jobLabel } from './job-board.ts';
import { plannedSteps } from './job-progress.ts';
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
  readonly jobs: JobBoard;
  readonly #pending = new Map<string, { event: EngineEvent; url?: string }>();
  #frame: number | undefined;

  constructor(private readonly loom: LoomEditor) {
    this.#socket = new LiveSocket({
      event: (promptId, event, preview) => this.#onEvent(promptId, event, preview),
      done: (promptId, outcome, error) => this.#onDone(promptId, outcome, error?.message),
      queue: (remaining) => {
        this.state.set({ queueRemaining: remaining });
        void this.jobs.refresh();
      },
      connection: (open) => this.state.set({ connected: open }),
    });
    this.jobs = new JobBoard(this.#socket.clientId);
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
      this.jobs.plan(promptId, plannedSteps(graph));
      await this.jobs.refresh();
      const job = this.jobs.find(promptId);
      const name = job ? jobLabel(job) : promptId.slice(0, 8);
      // A job of ours already running stays the one the status line and Cancel describe.
      if (this.jobs.ownRunning()) this.state.set({ phase: 'running', message: `Queued ${name}.` });
      else this.state.set({ phase: 'queued', promptId, message: `Queued ${name}.` });
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

  /**
   * Cancels a job: removes it if still pending, interrupts it if running. Without an id, the job the
   * status line describes (this tab's running job, else its last queued one).
   */
  async cancel(promptId = this.state.get().promptId): Promise<void> {
    if (!promptId) return;
    const job = this.jobs.find(promptId);
    const name = job ? jobLabel(job) : promptId.slice(0, 8);
    try {
      const { action } = await api.cancel(promptId);
      const text = action === 'removed' ? `Removed ${name} from the queue.` : `Cancelling ${name}…`;
      void this.jobs.refresh();
      // The status line keeps describing the current job; cancelling another one is told apart.
      if (promptId !== this.state.get().promptId) return toast(text);
      this.state.set({ message: text });
      if (action === 'removed') {
        this.loom.resetRun();
        this.state.set({ phase: 'interrupted' });
      }
    } catch (err) {
      this.state.set({ message: `Cannot cancel ${name}: ${(err as Error).message}` });
    }
  }

  #name(promptId: string): string {
    const job = this.jobs.find(promptId);
    return job ? jobLabel(job) : promptId.slice(0, 8);
  }

  #onEvent(promptId: string, event: EngineEvent, preview?: Blob): void {
    this.jobs.apply(promptId, event);
    if (!this.#own(promptId)) return;
    if (event.type === 'run.started') this.state.set({ promptId });
    if (promptId !== this.state.get().promptId) return;
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
    if (event.type === 'run.started') this.state.set({ phase: 'running', message: `Running ${this.#name(promptId)}: ${event.toExecute.length} to run, ${event.cached.length} cached` });
    this.#apply(event);
    if (event.type === 'run.failed' && event.error.problems) this.loom.setProblems(event.error.problems);
  }

  #flush(): void {
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
    for (const { event, url } of this.#pending.values()) {
      if (event.type === 'node.progress') this.state.set({ message: `${this.#name(this.state.get().promptId ?? '')}: ${event.nodeId} step ${event.value}/${event.max}` });
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

  /** Whether this tab queued the prompt (the job board knows every queued prompt's client). */
  #own(promptId: string): boolean {
    return this.jobs.find(promptId)?.own ?? promptId === this.state.get().promptId;
  }

  #onDone(promptId: string, outcome: 'success' | 'error' | 'interrupted', error?: string): void {
    const name = this.#name(promptId);
    this.jobs.finished(promptId);
    void this.refreshHistory();
    if (promptId !== this.state.get().promptId) return;
    this.#flush();
    this.loom.clearPreviews();
    const message = outcome === 'success' ? `Finished ${name}.` : outcome === 'interrupted' ? `Cancelled ${name}.` : `${name} failed: ${error ?? 'unknown error'}`;
    this.state.set({ phase: outcome, message });
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
