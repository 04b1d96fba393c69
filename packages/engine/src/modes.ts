/**
 * Node modes, executed the way ComfyUI's frontend turns them into a prompt (ComfyUI_frontend,
 * `graphToPrompt` and `ExecutableNodeDTO.resolveOutput`):
 *
 * - **mute** (LiteGraph mode 2, "never"): the node is not executed. A link from it is dropped: an
 *   optional input is left unset, a linked parameter falls back to its default, and a node whose
 *   required input came from it is skipped in turn (ComfyUI's backend then drops that output, as here,
 *   rather than failing the whole prompt).
 * - **bypass** (mode 4): the node is not executed; each of its outputs is the value of one of its own
 *   linked inputs of the same port type: the input in the output's position if its type matches, else
 *   the first matching one in declaration order. Chains of bypassed nodes are followed through. With no
 *   matching input, a consumer whose input is required gets a validation error naming the node.
 *
 * Resolution rewrites the plan's links once, before any run: the executor and the cache keys only ever
 * see ordinary links, so a bypassed node costs nothing at run time.
 */
import type { Problem } from './errors.ts';
import type { Graph, Link } from './graph.ts';
import type { NodeRegistry } from './registry.ts';
import type { PlannedNode } from './validate.ts';

/** Why a node does not run: its own mode, or a required input fed by a muted node. */
export type SkipReason = 'muted' | 'bypassed' | 'input-muted';

export interface NodeSkip {
  nodeType: string;
  reason: SkipReason;
}

type Resolved = { link: Link } | { muted: true } | { unmatched: string };

/**
 * Rewrites `nodes` (in topological `order`) in place: links through bypassed nodes point at what they pass through, links from
 * muted nodes are dropped, and every node that does not run leaves `nodes`. Returns those nodes.
 */
export function applyModes(
  graph: Graph,
  nodes: Map<string, PlannedNode>,
  order: PlannedNode[],
  registry: NodeRegistry,
  problems: Problem[],
): Map<string, NodeSkip> {
  const skipped = new Map<string, NodeSkip>();
  for (const id in graph.nodes) {
    const { mode, type } = graph.nodes[id] as { mode?: string; type: string };
    if (mode === 'mute') skipped.set(id, { nodeType: type, reason: 'muted' });
    if (mode === 'bypass') skipped.set(id, { nodeType: type, reason: 'bypassed' });
  }
  if (skipped.size === 0) return skipped;
  // In dependency order, so a node's upstream is settled (run, skipped or bypassed) before it.
  for (const node of order) {
    if (skipped.has(node.id)) continue;
    for (const [name, link] of Object.entries(node.links)) {
      const resolved = resolve(link, nodes, skipped, registry);
      if ('link' in resolved) {
        node.links[name] = resolved.link;
        continue;
      }
      delete node.links[name];
      const port = node.def.inputs[name];
      const fallback = port ? undefined : registry.param(node.def.type, name)?.spec.schema.safeParse(undefined);
      if (fallback?.success) node.literals[name] = fallback.data;
      if (port?.optional || fallback?.success) continue;
      if ('muted' in resolved) {
        skipped.set(node.id, { nodeType: node.def.type, reason: 'input-muted' });
        break;
      }
      problems.push({
        code: 'MISSING_INPUT',
        nodeId: node.id,
        input: name,
        message:
          `Input "${name}" of node "${node.id}" (${node.def.type}) comes from node "${resolved.unmatched}", which is bypassed and has no linked ` +
          `${portTypeOf(nodes, link)} input to pass through. Un-bypass "${resolved.unmatched}", link it a ${portTypeOf(nodes, link)} input, or link "${name}" elsewhere.`,
      });
    }
  }
  for (const id of skipped.keys()) nodes.delete(id);
  return skipped;
}

function portTypeOf(nodes: Map<string, PlannedNode>, link: Link): string {
  return nodes.get(link.node)?.def.outputs[link.output]?.name ?? 'matching';
}

/** Follows a link through bypassed nodes to the output that really produces its value. */
function resolve(start: Link, nodes: Map<string, PlannedNode>, skipped: Map<string, NodeSkip>, registry: NodeRegistry): Resolved {
  let link = start;
  // Terminates: validation refused cycles, and each step moves one link upstream.
  for (;;) {
    const skip = skipped.get(link.node);
    if (!skip) return { link };
    if (skip.reason !== 'bypassed') return { muted: true };
    const node = nodes.get(link.node) as PlannedNode;
    const type = node.def.outputs[link.output]?.name;
    const through = passThrough(node, link.output, type, registry);
    if (!through) return { unmatched: node.id };
    link = through;
  }
}

/**
 * The bypassed node's linked input that stands in for `output`: the input in the output's position if
 * its type matches, else the first of that type. Inputs are its ports, then its linkable parameters
 * (ComfyUI's widgets converted to inputs), in declaration order.
 */
function passThrough(node: PlannedNode, output: string, type: string | undefined, registry: NodeRegistry): Link | undefined {
  const inputs: [string, string | null | undefined][] = [
    ...Object.entries(node.def.inputs).map(([name, spec]): [string, string] => [name, spec.type.name]),
    ...Object.keys(node.def.params).map((name): [string, string | null | undefined] => [name, registry.param(node.def.type, name)?.catalog.linkType]),
  ];
  const fits = ([name, portType]: [string, string | null | undefined]) => portType === type && name in node.links;
  const same = inputs[Object.keys(node.def.outputs).indexOf(output)];
  const match = same && fits(same) ? same : inputs.find(fits);
  return match ? node.links[match[0]] : undefined;
}
