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
  readonly #pending: { event: EngineEvent; url?: string | undefined }[] = [];
  #frame: number | undefined;
  #submitting = 0;
  readonly #held: (() => void)[] = [];

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
      this.#submitting++;
      let promptId: string;
      try {
        ({ promptId } = await api.submit(graph, this.#socket.clientId));
      } finally {
        this.#submitting--;
      }
      this.jobs.plan(promptId, plannedSteps(graph));
      // A job of ours already running stays the one the status line and Cancel describe.
      const other = this.jobs.ownRunning();
      if (other) this.state.set({ message: `Queued ${promptId.slice(0, 8)}.` });
      else this.state.set({ phase: 'queued', promptId, message: `Queued ${promptId.slice(0, 8)}.` });
      this.#replayHeld();
      await this.jobs.refresh();
      const job = this.jobs.find(promptId);
      if (job && this.state.get().phase === 'queued') this.state.set({ message: `Queued ${jobLabel(job)}.` });
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
    this.state.set({
      phase: 'error',
      message: `${problems.length} problem${problems.length === 1 ? '' : 's'} to fix before running (marked on the nodes).`,
      graphProblems: rest,
    });
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

  /**
   * While a submit is in flight, events of prompts nobody has claimed are held: a small graph can
   * start and even finish before the submit's answer names it, and those events are ours.
   */
  #holdsUnclaimed(promptId: string, replay: () => void): boolean {
    if (this.#submitting === 0 || this.jobs.find(promptId) || promptId === this.state.get().promptId) return false;
    this.#held.push(replay);
    return true;
  }

  #replayHeld(): void {
    for (const replay of this.#held.splice(0)) replay();
  }

  #onEvent(promptId: string, event: EngineEvent, preview?: Blob): void {
    if (this.#holdsUnclaimed(promptId, () => this.#onEvent(promptId, event, preview))) return;
    this.jobs.apply(promptId, event);
    if (!this.#own(promptId)) return;
    if (event.type === 'run.started') this.state.set({ promptId });
    if (promptId !== this.state.get().promptId) return;
    if (event.type === 'run.started')
      this.state.set({ phase: 'running', message: `Running ${this.#name(promptId)}: ${event.toExecute.length} to run, ${event.cached.length} cached` });
    // Events can arrive far faster than frames (a 1,000-node chain sends 2,000): they are queued in
    // order and drawn once per frame; successive progress steps of one node keep only the latest.
    const last = this.#pending.at(-1);
    const url = preview ? URL.createObjectURL(preview) : undefined;
    if (event.type === 'node.progress' && last?.event.type === 'node.progress' && last.event.nodeId === event.nodeId) {
      if (url && last.url) URL.revokeObjectURL(last.url);
      this.#pending[this.#pending.length - 1] = { event, url: url ?? last.url };
    } else this.#pending.push({ event, url });
    this.#frame ??= requestAnimationFrame(() => this.#flush());
  }

  #flush(): void {
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
    const events = this.#pending.splice(0);
    for (const { event, url } of events) this.#apply(event, url);
    const progress = events.findLast((e) => e.event.type === 'node.progress')?.event;
    if (progress?.type === 'node.progress')
      this.state.set({ message: `${this.#name(this.state.get().promptId ?? '')}: ${progress.nodeId} step ${progress.value}/${progress.max}` });
    const failed = events.find((e) => e.event.type === 'run.failed')?.event;
    if (failed?.type === 'run.failed' && failed.error.problems) this.loom.setProblems(failed.error.problems);
  }

  /** One event on the nodes it concerns: its own node, or every node for run-wide events. */
  #apply(event: EngineEvent, previewUrl?: string): void {
    const own = 'nodeId' in event && typeof event.nodeId === 'string' ? this.loom.plugins.editor.getNode(event.nodeId) : undefined;
    for (const node of own ? [own] : 'nodeId' in event ? [] : this.loom.nodes()) {
      const next = nodeRunFor(node.id, node.run, event, previewUrl);
      if (next) this.loom.setRun(node.id, next);
    }
  }

  /** Whether this tab queued the prompt (the job board knows every queued prompt's client). */
  #own(promptId: string): boolean {
    return this.jobs.find(promptId)?.own ?? promptId === this.state.get().promptId;
  }

  #onDone(promptId: string, outcome: 'success' | 'error' | 'interrupted', error?: string): void {
    if (this.#holdsUnclaimed(promptId, () => this.#onDone(promptId, outcome, error))) return;
    const name = this.#name(promptId);
    this.jobs.finished(promptId);
    void this.refreshHistory();
    if (promptId !== this.state.get().promptId) return;
    this.#flush();
    this.loom.clearPreviews();
    const message =
      outcome === 'success' ? `Finished ${name}.` : outcome === 'interrupted' ? `Cancelled ${name}.` : `${name} failed: ${error ?? 'unknown error'}`;
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
