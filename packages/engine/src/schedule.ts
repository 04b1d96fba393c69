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
  /** Those evaluated up front: everything not reachable only through a lazy input. */
  eager: Set<string>;
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
  const needed = new Set<string>();
  const eager = new Set<string>();
  // A node is revisited at most once more: when first reached only through a lazy input, then eagerly.
  const stack: [string, boolean][] = roots.map((id) => [id, true]);
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [id, viaEager] = item;
    const node = plan.nodes.get(id);
    if (!node) throw new LoomError('LINK_TO_MISSING_NODE', `Requested output node "${id}" is not in the graph.`, { nodeId: id });
    if (needed.has(id) && (eager.has(id) || !viaEager)) continue;
    needed.add(id);
    if (viaEager) eager.add(id);
    for (const input in node.links) stack.push([(node.links[input] as { node: string }).node, viaEager && !isLazyInput(node, input)]);
  }
  return { order: topologicalOrder([...needed].map((id) => plan.nodes.get(id) as PlannedNode)), eager };
}

/** The distinct nodes `node` reads from. */
function upstreamIds(node: PlannedNode): Set<string> {
  const ids = new Set<string>();
  for (const input in node.links) ids.add((node.links[input] as { node: string }).node);
  return ids;
}

/**
 * Kahn's algorithm with ties broken by node id, so the order never depends on object key order. Links
 * to nodes outside `nodes` are ignored.
 */
export function topologicalOrder(nodes: PlannedNode[]): PlannedNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of nodes) {
    let count = 0;
    for (const up of upstreamIds(node)) {
      if (!byId.has(up)) continue;
      count++;
      const list = dependents.get(up);
      if (list) list.push(node.id);
      else dependents.set(up, [node.id]);
    }
    indegree.set(node.id, count);
  }
  const ready = new ReadyQueue<string>((a, b) => a < b);
  for (const node of nodes) if (indegree.get(node.id) === 0) ready.push(node.id);
  const order: PlannedNode[] = [];
  for (let id = ready.shift(); id !== undefined; id = ready.shift()) {
    order.push(byId.get(id) as PlannedNode);
    for (const next of dependents.get(id) ?? []) {
      const left = (indegree.get(next) ?? 0) - 1;
      indegree.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (order.length !== nodes.length) throw new LoomError('GRAPH_CYCLE', 'The graph has a cycle; validate it for details.');
  return order;
}
