/**
 * The server's queue as the editor shows it: running and pending jobs with their graph title, who
 * queued them (this tab or another client) and, for running ones, overall progress and ETA. The
 * list comes from `GET /loom/api/queue` on every queue change; progress comes from the engine events
 * of every prompt (the socket subscribes to all of them).
 */
import { api } from '../api/client.ts';
import type { EngineEvent, QueueItem } from '../api/types.ts';
import { createStore, type Store } from '../ui/store.ts';
import { JobProgress } from './job-progress.ts';

export interface JobView {
  promptId: string;
  number: number;
  title: string;
  status: 'running' | 'pending';
  /** Queued by this tab. */
  own: boolean;
  fraction?: number;
  etaMs?: number;
}

/** "#12 Loom-tiny txt2img": how status lines and the panel name a job. */
export function jobLabel(job: Pick<JobView, 'number' | 'title'>): string {
  return `#${job.number} ${job.title}`;
}

function titleOf(item: QueueItem): string {
  return item.title ?? (item.format === 'comfy' ? 'ComfyUI prompt' : 'Untitled graph');
}

export class JobBoard {
  readonly state: Store<{ jobs: JobView[] }> = createStore({ jobs: [] as JobView[] });
  readonly #progress = new Map<string, JobProgress>();
  /** Step counts of the graphs this tab submitted, by prompt id. */
  readonly #plans = new Map<string, Record<string, number>>();
  #items: { running: QueueItem[]; pending: QueueItem[] } = { running: [], pending: [] };
  #refreshing: Promise<void> | undefined;
  #again = false;
  #frame: number | undefined;

  constructor(private readonly clientId: string) {}

  /** Re-reads the server's queue; calls made while one is in flight coalesce into one more. */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        try {
          this.#items = await api.queue();
        } catch {
          // The status bar shows a lost connection; the list comes back with it.
        }
      } while (this.#again);
      this.#refreshing = undefined;
      this.#publish();
    })();
    return this.#refreshing;
  }

  /** Remembers the step counts of a graph this tab submitted, for its progress bar. */
  plan(promptId: string, steps: Record<string, number>): void {
    this.#plans.set(promptId, steps);
  }

  /** Feeds one engine event of any prompt. */
  apply(promptId: string, event: EngineEvent): void {
    let progress = this.#progress.get(promptId);
    if (event.type === 'run.started' || !progress) this.#progress.set(promptId, (progress = new JobProgress(this.#plans.get(promptId))));
    progress.apply(event);
    // Events come by the thousand on big graphs; the panel is redrawn once per frame.
    if (this.#frame !== undefined) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = undefined;
      this.#publish();
    });
  }

  /** A prompt ended: forget its progress and re-read the queue. */
  finished(promptId: string): void {
    this.#progress.delete(promptId);
    this.#plans.delete(promptId);
    void this.refresh();
  }

  find(promptId: string | undefined): JobView | undefined {
    return this.state.get().jobs.find((j) => j.promptId === promptId);
  }

  /** The running job this tab queued, if any. */
  ownRunning(): JobView | undefined {
    return this.state.get().jobs.find((j) => j.own && j.status === 'running');
  }

  #publish(): void {
    const view = (item: QueueItem, status: JobView['status']): JobView => {
      const progress = this.#progress.get(item.promptId);
      const etaMs = progress?.etaMs;
      return {
        promptId: item.promptId,
        number: item.number,
        title: titleOf(item),
        status,
        own: item.clientId === this.clientId,
        ...(progress && { fraction: progress.fraction }),
        ...(etaMs !== undefined && { etaMs }),
      };
    };
    this.state.set({ jobs: [...this.#items.running.map((i) => view(i, 'running')), ...this.#items.pending.map((i) => view(i, 'pending'))] });
  }
}
