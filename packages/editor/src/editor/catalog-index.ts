/**
 * The server's node catalog, indexed for the editor: entries by type, one socket per port type with
 * its colour, categories for the palette, and node creation from an entry.
 */
import { ClassicPreset } from 'rete';
import type { CatalogEntry, ServerCatalog } from '../api/types.ts';
import { LoomNode, LoomSocket } from './loom-node.ts';

const UNKNOWN_COLOR = '#9e9e9e';

export class CatalogIndex {
  readonly entries = new Map<string, CatalogEntry>();
  readonly #sockets = new Map<string, LoomSocket>();

  constructor(readonly catalog: ServerCatalog) {
    for (const entry of catalog.nodes) this.entries.set(entry.type, entry);
    for (const t of catalog.portTypes) this.#sockets.set(t.name, new LoomSocket(t.name, t.color, t.description));
  }

  socket(type: string): LoomSocket {
    let socket = this.#sockets.get(type);
    if (!socket) {
      socket = new LoomSocket(type, UNKNOWN_COLOR, 'Unknown port type');
      this.#sockets.set(type, socket);
    }
    return socket;
  }

  color(type: string): string {
    return this.socket(type).color;
  }

  /** Categories in a stable order with their entries sorted by type. */
  categories(): [string, CatalogEntry[]][] {
    const groups = new Map<string, CatalogEntry[]>();
    for (const entry of this.catalog.nodes) groups.set(entry.category, [...(groups.get(entry.category) ?? []), entry]);
    return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([c, list]) => [c, list.sort((x, y) => x.type.localeCompare(y.type))]);
  }

  /** ComfyUI names served by each type (`KSampler` → UNetSampler …), from the server's alias map. */
  aliasesOf(type: string): string[] {
    return Object.entries(this.catalog.comfyAliases)
      .filter(([, target]) => target === type)
      .map(([name]) => name);
  }

  /**
   * Entries matching a search, best first: the type or a ComfyUI name it serves (prefix, then
   * substring), then category, then description. A ComfyUI user's `KSampler` finds the node serving it.
   */
  search(query: string): CatalogEntry[] {
    const q = query.trim().toLowerCase();
    const all = [...this.catalog.nodes].sort((a, b) => a.type.localeCompare(b.type));
    if (!q) return all;
    const score = (e: CatalogEntry): number => {
      const names = [e.type, ...this.aliasesOf(e.type)].map((n) => n.toLowerCase());
      if (names.some((n) => n.startsWith(q))) return 0;
      if (names.some((n) => n.includes(q))) return 1;
      if (e.category.toLowerCase().includes(q)) return 2;
      if (e.description.toLowerCase().includes(q)) return 3;
      return 9;
    };
    return all
      .map((e) => [e, score(e)] as const)
      .filter(([, s]) => s < 9)
      .sort((a, b) => a[1] - b[1])
      .map(([e]) => e);
  }

  /**
   * Builds a node: typed port inputs, then parameters in declaration order (a parameter gets a socket
   * when a primitive output may be linked into it), then outputs. Parameter values start at defaults.
   */
  createNode(id: string, type: string): LoomNode {
    const entry = this.entries.get(type);
    const node = new LoomNode(id, type, entry);
    if (!entry) return node;
    let index = 0;
    for (const input of entry.inputs) {
      const port = new ClassicPreset.Input(this.socket(input.type), input.name, false);
      port.index = index++;
      node.addInput(input.name, port);
    }
    for (const param of entry.params) {
      // Only objects need a copy of their own (structuredClone per primitive was a tenth of a big load).
      if (param.default !== undefined) node.values[param.name] = typeof param.default === 'object' ? structuredClone(param.default) : param.default;
      if (param.linkType === null) continue;
      const port = new ClassicPreset.Input(this.socket(param.linkType), param.name, false);
      port.index = index++;
      node.addInput(param.name, port);
    }
    entry.outputs.forEach((output, i) => {
      const port = new ClassicPreset.Output(this.socket(output.type), output.name, true);
      port.index = i;
      node.addOutput(output.name, port);
    });
    // Text areas need room; everything else fits the default width.
    if (entry.params.some((p) => p.widget === 'textarea' || p.widget === 'json')) node.width = 300;
    // Until its view is measured (a culled node never is), its height is estimated from its rows,
    // so Fit, culling and the far-zoom canvas see about the right box.
    const tall = entry.params.filter((p) => p.widget === 'textarea' || p.widget === 'json').length;
    node.height = 34 + 26 * (entry.inputs.length + entry.params.length + entry.outputs.length) + 40 * tall;
    return node;
  }

  /**
   * A fresh node id from the type, readable in saved graphs: the first word is lowered
   * (`TextEncoder` → `textEncoder`, `VAEDecode` → `vaeDecode`, `UNetSampler` → `unetSampler`,
   * `LoRALoader` → `loraLoader`), then a number is added if the id is taken (`textEncoder2`).
   */
  static freshId(type: string, taken: (id: string) => boolean): string {
    // A word starts at a capital followed by a lowercase letter; a one-letter first word joins the next.
    const starts = [...type.matchAll(/[A-Z](?=[a-z])/g)].map((m) => m.index).filter((i) => i > 0);
    const cut = (starts[0] === 1 ? starts[1] : starts[0]) ?? type.length;
    const base = type.slice(0, cut).toLowerCase() + type.slice(cut);
    if (!taken(base)) return base;
    for (let i = 2; ; i++) if (!taken(`${base}${i}`)) return `${base}${i}`;
  }
}
