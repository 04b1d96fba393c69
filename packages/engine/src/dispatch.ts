/**
 * Dispatch: runs a run's nodes as their inputs become ready, at most `concurrency` at once. The ready
 * queue hands out the earliest ready node in topological order, so which node starts next never
 * depends on completion timing, and its heap keeps that O(log n) per node however wide the graph.
 */
import type { PlannedNode } from './validate.ts';
import { ReadyQueue } from './ready-queue.ts';

export interface DispatchOptions {
  concurrency: number;
  /** The distinct upstream nodes `node` must wait for (those whose values are already known excluded). */
  waitsFor(node: PlannedNode): string[];
  execute(node: PlannedNode): Promise<void>;
  /** Checked before each start: once true, nothing new starts (running nodes finish). */
  stopped(): boolean;
}

/** Runs `order` (a topological order). Rejects with the first failure, after running nodes settle. */
export async function dispatch(order: PlannedNode[], options: DispatchOptions): Promise<void> {
  // Nodes are numbered by their position in `order`: the ready queue compares numbers, counts live in an array.
  const index = new Map<string, number>();
  for (let i = 0; i < order.length; i++) index.set((order[i] as PlannedNode).id, i);
  const waiting = new Int32Array(order.length);
  const dependents: number[][] = order.map(() => []);
  const ready = new ReadyQueue<number>((a, b) => a < b);
  for (let i = 0; i < order.length; i++) {
    const upstream = options.waitsFor(order[i] as PlannedNode);
    waiting[i] = upstream.length;
    for (const id of upstream) dependents[index.get(id) ?? -1]?.push(i);
    if (upstream.length === 0) ready.push(i);
  }
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const start = (i: number): void => {
    const task: Promise<void> = options.execute(order[i] as PlannedNode).then(
      () => {
        running.delete(task);
        for (const next of dependents[i] as number[]) if ((waiting[next] = (waiting[next] as number) - 1) === 0) ready.push(next);
      },
      (error: unknown) => {
        running.delete(task);
        failure ??= { error };
      },
    );
    running.add(task);
  };
  while (ready.size > 0 || running.size > 0) {
    while (failure === undefined && ready.size > 0 && running.size < options.concurrency && !options.stopped()) start(ready.shift() as number);
    if (running.size === 0) break;
    await (running.size === 1 ? running.values().next().value : Promise.race(running));
  }
  if (failure !== undefined) throw failure.error;
}
