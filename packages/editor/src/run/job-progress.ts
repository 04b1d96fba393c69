/**
 * Overall progress of one prompt from its engine events, and an ETA from what was observed.
 *
 * Work is counted in units: a node that reports steps (a sampler, a tiled decode) weighs its step
 * count, any other node weighs one unit, because sampler steps dominate a run and a plain node count
 * would sit at "57%" through the whole sampler. For a graph this tab submitted the step counts are
 * known up front (its `steps` inputs, the `plan`); for another client's job a node's weight is known
 * only once it reports its first step, so the fraction is kept monotonic: a newly revealed 20-step
 * node lowers the pace, not the bar. The ETA is the remaining units at the pace observed so far.
 */
import type { EngineEvent } from '../api/types.ts';

export class JobProgress {
  #planned: string[] = [];
  readonly #finished = new Set<string>();
  /** Step counts of nodes that reported progress: [value, max]. */
  readonly #steps = new Map<string, [number, number]>();
  #startedAt: number | undefined;
  #shown = 0;

  constructor(
    /** Expected step counts by node id, where known before the run. */
    private readonly plan: Readonly<Record<string, number>> = {},
    private readonly now: () => number = () => performance.now(),
  ) {}

  apply(event: EngineEvent): void {
    switch (event.type) {
      case 'run.started':
        this.#planned = [...event.toExecute];
        this.#startedAt = this.now();
        return;
      case 'node.progress':
        this.#steps.set(event.nodeId, [event.value, event.max]);
        return;
      case 'node.finished':
      case 'node.cached':
      case 'node.failed':
        this.#finished.add(event.nodeId);
        return;
      default:
        return;
    }
  }

  #units(): { done: number; total: number } {
    let done = 0;
    let total = 0;
    for (const id of this.#planned) {
      const steps = this.#steps.get(id);
      const weight = Math.max(1, steps?.[1] ?? this.plan[id] ?? 1);
      total += weight;
      if (this.#finished.has(id)) done += weight;
      else if (steps) done += Math.min(steps[0], weight);
    }
    return { done, total };
  }

  /** 0…1, never decreasing within a run. */
  get fraction(): number {
    const { done, total } = this.#units();
    if (total > 0) this.#shown = Math.max(this.#shown, done / total);
    return this.#shown;
  }

  /** Milliseconds left at the pace observed so far; undefined until any work has finished. */
  get etaMs(): number | undefined {
    if (this.#startedAt === undefined) return undefined;
    const { done, total } = this.#units();
    const elapsed = this.now() - this.#startedAt;
    if (done <= 0 || elapsed <= 0) return undefined;
    return ((total - done) * elapsed) / done;
  }
}

/** "42% · 3 s left" style text for a progress bar's label. */
export function progressLabel(fraction: number, etaMs: number | undefined): string {
  const pct = `${Math.floor(fraction * 100)}%`;
  if (etaMs === undefined || fraction >= 1) return pct;
  const s = Math.ceil(etaMs / 1000);
  return `${pct} · ${s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`} left`;
}

/** The step counts a graph declares (`steps` inputs given as numbers): a run's plan for {@link JobProgress}. */
export function plannedSteps(graph: { nodes: Record<string, { inputs?: Record<string, unknown> }> }): Record<string, number> {
  const plan: Record<string, number> = {};
  for (const [id, node] of Object.entries(graph.nodes)) {
    const steps = node.inputs?.['steps'];
    if (typeof steps === 'number' && steps > 0) plan[id] = steps;
  }
  return plan;
}
