/**
 * Rete's NodeEditor with lookups by id in O(1). Its `getNode` and `getConnection` scan arrays
 * (`nodes.find`), and they are called per node and per link everywhere (Rete's own add checks, the
 * culler, the far-zoom canvas, link targets): a 1,000-node load spent more time in those scans than
 * in rendering. The maps follow the editor's own signals, from a pipe added before any plugin joins,
 * so every later pipe already finds a created node or link and no longer finds a removed one.
 */
import { NodeEditor } from 'rete';
import type { Schemes } from './loom-node.ts';

type Node = Schemes['Node'];
type Connection = Schemes['Connection'];

export class IndexedNodeEditor extends NodeEditor<Schemes> {
  readonly #nodes = new Map<string, Node>();
  readonly #connections = new Map<string, Connection>();

  constructor() {
    super();
    this.addPipe((context) => {
      if (context.type === 'nodecreated') this.#nodes.set(context.data.id, context.data);
      if (context.type === 'noderemoved') this.#nodes.delete(context.data.id);
      if (context.type === 'connectioncreated') this.#connections.set(context.data.id, context.data);
      if (context.type === 'connectionremoved') this.#connections.delete(context.data.id);
      return context;
    });
  }

  override getNode(id: Node['id']): Node | undefined {
    return this.#nodes.get(id);
  }

  override getConnection(id: Connection['id']): Connection | undefined {
    return this.#connections.get(id);
  }
}
