/** Which nodes a run needs, and a deterministic topological order over them. */
import { LoomError } from './errors.ts';
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

/** The requested output nodes (all output nodes by default) and their ancestors. */
export function planRun(plan: Plan, targets?: string[]): RunOrder {
  const roots = targets ?? [...plan.nodes.values()].filter((n) => n.def.output).map((n) => n.id);
  const needed = new Set<string>();
  const eager = new Set<string>();
  const visit = (id: string, viaEager: boolean): void => {
    const node = plan.nodes.get(id);
    if (!node) throw new LoomError('LINK_TO_MISSING_NODE', `Requested output node "${id}" is not in the graph.`, { nodeId: id });
    if (needed.has(id) && (eager.has(id) || !viaEager)) return;
    needed.add(id);
    if (viaEager) eager.add(id);
    for (const [input, link] of Object.entries(node.links)) visit(link.node, viaEager && !isLazyInput(node, input));
  };
  for (const root of roots) visit(root, true);
  return { order: topologicalOrder([...needed].map((id) => plan.nodes.get(id) as PlannedNode)), eager };
}

/** Kahn's algorithm with ties broken by node id, so the order never depends on object key order. */
function topologicalOrder(nodes: PlannedNode[]): PlannedNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of nodes) {
    const upstream = new Set(Object.values(node.links).map((l) => l.node));
    indegree.set(node.id, upstream.size);
    for (const up of upstream) dependents.set(up, [...(dependents.get(up) ?? []), node.id]);
  }
  const ready = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id).sort();
  const order: PlannedNode[] = [];
  while (ready.length > 0) {
    const id = ready.shift() as string;
    order.push(byId.get(id) as PlannedNode);
    for (const next of dependents.get(id) ?? []) {
      const left = (indegree.get(next) ?? 0) - 1;
      indegree.set(next, left);
      if (left === 0) insertSorted(ready, next);
    }
  }
  if (order.length !== nodes.length) throw new LoomError('GRAPH_CYCLE', 'The graph has a cycle; validate it for details.');
  return order;
}

function insertSorted(list: string[], id: string): void {
  let i = 0;
  while (i < list.length && (list[i] as string) < id) i++;
  list.splice(i, 0, id);
}
