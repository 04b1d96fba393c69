/**
 * Output-cache keys. A node's key hashes its type, canonical literal parameters, fingerprint (state
 * outside the graph, such as a file's size and mtime) and the keys of the outputs it reads, so an
 * identical re-run executes nothing and a changed parameter re-keys exactly what is downstream of it.
 */
import { canonicalJson, hashOf } from './canonical.ts';
import { toLoomError } from './errors.ts';
import type { PlannedNode } from './validate.ts';

const literalsCache = new WeakMap<PlannedNode, string>();

/** A plan's literals never change, so their canonical form is computed once per plan. */
function literalsJson(node: PlannedNode): string {
  let json = literalsCache.get(node);
  if (json === undefined) {
    json = canonicalJson(node.literals);
    literalsCache.set(node, json);
  }
  return json;
}

/**
 * Keys for the nodes of one run, computed in dependency order (each node's upstream keys must exist).
 * `bound` replaces some nodes' outputs with values (a lazy input's bindings); their key covers them.
 */
export class CacheKeys {
  readonly #keys = new Map<string, string>();

  constructor(private readonly bound?: Map<string, Record<string, unknown>>) {}

  get(nodeId: string): string | undefined {
    return this.#keys.get(nodeId);
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
    // Input names sorted, as canonical JSON would: the key never depends on object key order.
    let upstream = '';
    for (const name of Object.keys(node.links).sort()) {
      const link = node.links[name] as { node: string; output: string };
      upstream += `${JSON.stringify(name)}:${JSON.stringify(`${this.#keys.get(link.node)}.${link.output}`)},`;
    }
    const own = hashOf(`${node.def.type}|${literalsJson(node)}|${fingerprint}|{${upstream}}`);
    // A bound node still runs (its other outputs stay real); the bound values overlay its outputs.
    const bound = this.bound?.get(node.id);
    const key = bound ? hashOf(`${own}|bound|${canonicalJson(bound)}`) : own;
    this.#keys.set(node.id, key);
    return key;
  }
}
