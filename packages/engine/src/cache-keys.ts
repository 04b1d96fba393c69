/**
 * Output-cache keys. A node's key hashes its type, canonical literal parameters, fingerprint (state
 * outside the graph, such as a file's size and mtime) and the keys of the outputs it reads, so an
 * identical re-run executes nothing and a changed parameter re-keys exactly what is downstream of it.
 *
 * The text hashed is rebuilt for every key rather than kept per node: it is short-lived garbage, which
 * V8's young generation frees almost for free, whereas parts kept for every node of a 100,000-node plan
 * survive each scavenge and are copied into the old generation, which made per-node cost grow with size.
 */
import { canonicalJson, hashOf } from './canonical.ts';
import { toLoomError } from './errors.ts';
import type { PlannedNode } from './validate.ts';

/**
 * Keys for the nodes of one run, computed in dependency order (each node's upstream keys must exist).
 * `bound` replaces some nodes' outputs with values (a lazy input's bindings); their key covers them.
 */
export class CacheKeys {
  /** Keys by plan position (see PlannedNode.position); '' until computed. */
  readonly #keys: string[] = [];

  /** `size`: the plan's node count. */
  constructor(
    size: number,
    private readonly bound?: Map<string, Record<string, unknown>>,
  ) {
    // Filled by push: `new Array(n)` above 100,000 elements starts as a slow dictionary in V8.
    for (let i = 0; i < size; i++) this.#keys.push('');
  }

  /** The key of a node already added. */
  get(node: PlannedNode): string {
    return this.#keys[node.position] as string;
  }

  /** Computes and records `node`'s key; synchronous unless the node has a fingerprint. */
  add(node: PlannedNode): string | Promise<string> {
    if (!node.def.fingerprint) return this.#record(node, '');
    return (async () => {
      try {
        return this.#record(node, await (node.def.fingerprint as NonNullable<typeof node.def.fingerprint>)(node.literals));
      } catch (err) {
        throw toLoomError(err, 'NODE_FAILED', { nodeId: node.id });
      }
    })();
  }

  #record(node: PlannedNode, fingerprint: string): string {
    // Linked inputs sorted by name, as canonical JSON sorts keys (a single link needs no sort).
    const names = Object.keys(node.links);
    if (names.length > 1) names.sort();
    let upstream = '';
    for (const name of names) {
      const link = node.links[name] as { output: string };
      const from = node.sources[name] as PlannedNode;
      upstream += `${JSON.stringify(name)}:${JSON.stringify(`${this.#keys[from.position]}.${link.output}`)},`;
    }
    const own = hashOf(`${node.def.type}|${canonicalJson(node.literals)}|${fingerprint}|{${upstream}}`);
    // A bound node still runs (its other outputs stay real); the bound values overlay its outputs.
    const bound = this.bound?.get(node.id);
    const key = bound ? hashOf(`${own}|bound|${canonicalJson(bound)}`) : own;
    this.#keys[node.position] = key;
    return key;
  }
}
