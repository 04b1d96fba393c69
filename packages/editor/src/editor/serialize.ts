/**
 * Editor state ↔ the native graph document (packages/engine/src/graph.ts). Node ids are the graph's
 * ids; links become connections on the matching sockets; literal parameters become node values;
 * `ui.position` and `ui.title` place and name nodes; `mode` (bypass/mute) travels with the node. Whatever the editor cannot show (an unknown type,
 * an input the type lacks, a link to a missing output) is kept on the node, so a round trip loses
 * nothing and validation can name it.
 */
import type { NodeEditor } from 'rete';
import type { Graph, NodeInstance } from '../api/types.ts';
import type { CatalogIndex } from './catalog-index.ts';
import { LoomConnection, type LoomNode, type Schemes } from './loom-node.ts';

/** Where the area has placed each node. */
type Area = { nodeViews: Map<string, { position: { x: number; y: number } }> };

function isLink(value: unknown): value is { node: string; output: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { node?: unknown }).node === 'string' &&
    typeof (value as { output?: unknown }).output === 'string' &&
    Object.keys(value).length === 2
  );
}

/** One node as a graph instance (links filled in from `connections`). */
export function nodeInstance(node: LoomNode, connections: LoomConnection[], position?: { x: number; y: number }): NodeInstance {
  const inputs: Record<string, unknown> = { ...node.extraInputs };
  for (const [name, value] of Object.entries(node.values)) if (value !== undefined) inputs[name] = value;
  for (const c of connections) if (c.target === node.id) inputs[c.targetInput] = { node: c.source, output: c.sourceOutput };
  const ui: Record<string, unknown> = { ...node.ui };
  if (position) ui.position = [Math.round(position.x), Math.round(position.y)];
  if (node.title) ui.title = node.title;
  return { type: node.type, inputs, ...(node.mode && { mode: node.mode }), ...(Object.keys(ui).length > 0 && { ui }) };
}

/** The whole editor as a graph document. */
export function toGraph(editor: NodeEditor<Schemes>, area: Area, meta?: Record<string, unknown>): Graph {
  // Links by target, so a 5,000-node graph is not 5,000 scans of every link.
  const incoming = new Map<string, LoomConnection[]>();
  for (const c of editor.getConnections()) incoming.set(c.target, [...(incoming.get(c.target) ?? []), c]);
  const nodes: Graph['nodes'] = {};
  for (const node of editor.getNodes()) nodes[node.id] = nodeInstance(node, incoming.get(node.id) ?? [], area.nodeViews.get(node.id)?.position);
  return { version: 1, nodes, ...(meta && Object.keys(meta).length > 0 && { meta }) };
}

export interface PlacedGraph {
  nodes: { node: LoomNode; position: [number, number] | undefined }[];
  connections: LoomConnection[];
  /** What could not be shown as sockets and connections, in words. */
  notes: string[];
}

export interface FromGraphOptions {
  /** Maps graph ids to editor ids (for pasting next to existing nodes). */
  rename?: (id: string) => string;
  /** Drops links to nodes outside the graph (a pasted fragment) instead of keeping them as notes. */
  dropOutside?: boolean;
  /** Awaited after each node: a big graph's nodes are built in slices (see time-slice.ts). */
  breathe?: () => Promise<void>;
}

/** Builds nodes and connections for `graph`. */
export async function fromGraph(graph: Graph, catalog: CatalogIndex, options: FromGraphOptions = {}): Promise<PlacedGraph> {
  const { rename = (id: string) => id, dropOutside = false, breathe } = options;
  const notes: string[] = [];
  const placed: PlacedGraph = { nodes: [], connections: [], notes };
  const byGraphId = new Map<string, LoomNode>();
  for (const [id, instance] of Object.entries(graph.nodes)) {
    const node = catalog.createNode(rename(id), instance.type);
    if (!node.entry) notes.push(`Node "${id}" has type "${instance.type}", which this server does not know.`);
    const { position, title, ...rest } = (instance.ui ?? {}) as { position?: [number, number]; title?: string };
    node.ui = Object.keys(rest).length > 0 ? structuredClone(rest) : {};
    if (typeof title === 'string') node.title = title;
    node.mode = instance.mode;
    byGraphId.set(id, node);
    placed.nodes.push({ node, position: Array.isArray(position) && position.length === 2 ? position : undefined });
    await breathe?.();
  }
  for (const [id, instance] of Object.entries(graph.nodes)) {
    const node = byGraphId.get(id) as LoomNode;
    for (const [name, value] of Object.entries(instance.inputs ?? {})) {
      const known = node.entry && (node.inputs[name] || node.param(name));
      if (!known) {
        node.extraInputs[name] = value;
        if (node.entry) notes.push(`Node "${id}" (${node.type}) has no input "${name}"; kept as is.`);
        continue;
      }
      if (!isLink(value)) {
        if (node.param(name)) node.values[name] = value;
        else node.extraInputs[name] = value;
        continue;
      }
      const source = byGraphId.get(value.node);
      if (!source) {
        if (!dropOutside) {
          node.extraInputs[name] = value;
          notes.push(`Input "${name}" of "${id}" links to a missing node "${value.node}".`);
        }
        continue;
      }
      const output = source.outputs[value.output];
      const input = node.inputs[name];
      if (!output || !input) {
        node.extraInputs[name] = value;
        notes.push(`Input "${name}" of "${id}" links to "${value.node}.${value.output}", which ${output ? 'this input cannot take' : 'does not exist'}.`);
        continue;
      }
      const connection = new LoomConnection(source, value.output, node, name);
      connection.portType = output.socket.type;
      placed.connections.push(connection);
    }
  }
  return placed;
}
