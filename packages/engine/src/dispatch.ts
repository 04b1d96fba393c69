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
  waitsFor(node: PlannedNode): PlannedNode[];
  execute(node: PlannedNode): Promise<void>;
  /** Checked before each start: once true, nothing new starts (running nodes finish). */
  stopped(): boolean;
}

/** Runs `order` (a topological order). Rejects with the first failure, after running nodes settle. */
export async function dispatch(order: PlannedNode[], options: DispatchOptions): Promise<void> {
  // Nodes are numbered by their position in `order`: the ready queue compares numbers, and the
  // dependency lists live in two flat arrays (compressed rows), not one array per node. `index` maps a
  // plan position to that number (−1: not in `order`), an array where a Map of ids cost cache misses.
  let size = 0;
  for (const node of order) size = Math.max(size, node.position + 1);
  const index = new Int32Array(size).fill(-1);
  for (let i = 0; i < order.length; i++) index[(order[i] as PlannedNode).position] = i;
  const waiting = new Int32Array(order.length);
  const edges: number[] = []; // pairs: upstream index, dependent index
  const ready = new ReadyQueue<number>((a, b) => a < b);
  for (let i = 0; i < order.length; i++) {
    const upstream = options.waitsFor(order[i] as PlannedNode);
    waiting[i] = upstream.length;
    for (const node of upstream) {
      const from = index[node.position] ?? -1;
      if (from >= 0) edges.push(from, i);
    }
    if (upstream.length === 0) ready.push(i);
  }
  // start[i]..start[i + 1] indexes node i's dependents.
  const start = new Int32Array(order.length + 1);
  for (let e = 0; e < edges.length; e += 2) start[(edges[e] as number) + 1] = (start[(edges[e] as number) + 1] as number) + 1;
  for (let i = 0; i < order.length; i++) start[i + 1] = (start[i + 1] as number) + (start[i] as number);
  const dependents = new Int32Array(edges.length / 2);
  const fill = start.slice(0, order.length);
  for (let e = 0; e < edges.length; e += 2) {
    const from = edges[e] as number;
    dependents[fill[from] as number] = edges[e + 1] as number;
    fill[from] = (fill[from] as number) + 1;
  }
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const launch = (i: number): void => {
    const task: Promise<void> = options.execute(order[i] as PlannedNode).then(
      () => {
        running.delete(task);
        for (let d = start[i] as number; d < (start[i + 1] as number); d++) {
          const next = dependents[d] as number;
          if ((waiting[next] = (waiting[next] as number) - 1) === 0) ready.push(next);
        }
      },
      (error: unknown) => {
        running.delete(task);
        failure ??= { error };
      },
    );
    running.add(task);
  };
  while (ready.size > 0 || running.size > 0) {
    while (failure === undefined && ready.size > 0 && running.size < options.concurrency && !options.stopped()) launch(ready.shift() as number);
    if (running.size === 0) break;
    await (running.size === 1 ? running.values().next().value : Promise.race(running));
  }
  if (failure !== undefined) throw failure.error;
}
