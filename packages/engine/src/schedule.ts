/**
 * Which nodes a run needs, and a deterministic topological order over them. Every walk here uses an
 * explicit stack or queue, never recursion, so graph depth is bounded by memory, not the call stack
 * (a recursive visit overflowed at about 4,000 chained nodes).
 */
import { LoomError } from './errors.ts';
import { ReadyQueue } from './ready-queue.ts';
import type { Plan, PlannedNode } from './validate.ts';

export interface RunOrder {
  /** The targets and all their ancestors, in dependency order (cache keys are computed for all of them). */
  order: PlannedNode[];
  /** 1 at the {@link PlannedNode.position} of each node evaluated up front: everything not reachable only through a lazy input. */
  eager: Uint8Array;
}

/** True if `input` of `node` is a lazy port: its upstream runs only when the node asks for it. */
export function isLazyInput(node: PlannedNode, input: string): boolean {
  return node.def.inputs[input]?.lazy === true;
}

/**
 * The requested output nodes (all output nodes by default) and their ancestors. Nodes the plan skips
 * (muted, bypassed, or fed by a muted node) are never run, even when named as targets.
 */
export function planRun(plan: Plan, targets?: string[]): RunOrder {
  const roots = (targets ?? [...plan.nodes.values()].filter((n) => n.def.output).map((n) => n.id)).filter((id) => !plan.skipped.has(id));
  // Flags by plan position, not Sets of ids (see PlannedNode.position).
  const needed = new Uint8Array(plan.order.length);
  const eager = new Uint8Array(plan.order.length);
  let neededCount = 0;
  // A node is revisited at most once more: when first reached only through a lazy input, then eagerly.
  const stack = roots.map((id) => {
    const node = plan.nodes.get(id);
    if (!node) throw new LoomError('LINK_TO_MISSING_NODE', `Requested output node "${id}" is not in the graph.`, { nodeId: id });
    return node;
  });
  const viaEagerLinks = roots.map(() => true);
  while (stack.length > 0) {
    const node = stack.pop() as PlannedNode;
    const viaEager = viaEagerLinks.pop() as boolean;
    const at = node.position;
    if (needed[at] === 1 && (eager[at] === 1 || !viaEager)) continue;
    if (needed[at] === 0) neededCount++;
    needed[at] = 1;
    if (viaEager) eager[at] = 1;
    for (const input in node.links) {
      stack.push(node.sources[input] as PlannedNode);
      viaEagerLinks.push(viaEager && !isLazyInput(node, input));
    }
  }
  // A subsequence of a topological order is one too: the plan's order, computed once at validation.
  return { order: neededCount === plan.order.length ? plan.order : plan.order.filter((n) => needed[n.position] === 1), eager };
}

/**
 * Kahn's algorithm with ties broken by node id, so the order never depends on object key order; links
 * to nodes outside `nodes` are ignored. Undefined if the nodes contain a cycle. Nodes are numbered once
 * so the loop works on arrays, not maps: validation runs it on every graph.
 */
export function topologicalOrder(nodes: PlannedNode[]): PlannedNode[] | undefined {
  const index = new Map<string, number>();
  for (let i = 0; i < nodes.length; i++) index.set((nodes[i] as PlannedNode).id, i);
  const indegree = new Int32Array(nodes.length);
  const dependents: number[][] = nodes.map(() => []);
  // lastReader[u] = the last node that counted u as upstream: two links from one node count once.
  const lastReader = new Int32Array(nodes.length).fill(-1);
  for (let i = 0; i < nodes.length; i++) {
    const links = (nodes[i] as PlannedNode).links;
    for (const input in links) {
      const up = index.get((links[input] as { node: string }).node);
      if (up === undefined || lastReader[up] === i) continue;
      lastReader[up] = i;
      indegree[i] = (indegree[i] as number) + 1;
      (dependents[up] as number[]).push(i);
    }
  }
  const ready = new ReadyQueue<number>((a, b) => (nodes[a] as PlannedNode).id < (nodes[b] as PlannedNode).id);
  for (let i = 0; i < nodes.length; i++) if (indegree[i] === 0) ready.push(i);
  const order: PlannedNode[] = [];
  for (let i = ready.shift(); i !== undefined; i = ready.shift()) {
    order.push(nodes[i] as PlannedNode);
    for (const next of dependents[i] as number[]) if (--(indegree[next] as number) === 0) ready.push(next);
  }
  return order.length === nodes.length ? order : undefined;
}
