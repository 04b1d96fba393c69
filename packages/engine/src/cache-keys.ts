/**
 * Output-cache keys. A node's key hashes its type, canonical literal parameters, fingerprint (state
 * outside the graph, such as a file's size and mtime) and the keys of the outputs it reads, so an
 * identical re-run executes nothing and a changed parameter re-keys exactly what is downstream of it.
 */
import { canonicalJson, hashOf } from './canonical.ts';
import { toLoomError } from './errors.ts';
import type { Plan, PlannedNode } from './validate.ts';

/** What a node's key is built from that never changes within a plan, computed once per planned node and plan. */
interface KeyParts {
  /** Type and canonical literals. */
  head: string;
  /** Linked inputs, sorted by name as canonical JSON sorts keys: name (JSON-quoted) and link. */
  links: { quoted: string; node: string; output: string }[];
}

// One plain map per plan, not one weak entry per node: V8 processes every weak-map entry at each
// major GC, which made per-node cost grow with graph size.
const partsByPlan = new WeakMap<Plan, Map<string, KeyParts>>();

function keyParts(parts: Map<string, KeyParts>, node: PlannedNode): KeyParts {
  let part = parts.get(node.id);
  if (part === undefined) {
    const links = Object.keys(node.links)
      .sort()
      .map((name) => ({ quoted: JSON.stringify(name), ...(node.links[name] as { node: string; output: string }) }));
    part = { head: `${node.def.type}|${canonicalJson(node.literals)}`, links };
    parts.set(node.id, part);
  }
  return part;
}

/**
 * Keys for the nodes of one run, computed in dependency order (each node's upstream keys must exist).
 * `bound` replaces some nodes' outputs with values (a lazy input's bindings); their key covers them.
 */
export class CacheKeys {
  readonly #keys = new Map<string, string>();
  readonly #parts: Map<string, KeyParts>;

  constructor(
    plan: Plan,
    private readonly bound?: Map<string, Record<string, unknown>>,
  ) {
    let parts = partsByPlan.get(plan);
    if (!parts) partsByPlan.set(plan, (parts = new Map()));
    this.#parts = parts;
  }

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
    const { head, links } = keyParts(this.#parts, node);
    let upstream = '';
    for (const link of links) upstream += `${link.quoted}:${JSON.stringify(`${this.#keys.get(link.node)}.${link.output}`)},`;
    const own = hashOf(`${head}|${fingerprint}|{${upstream}}`);
    // A bound node still runs (its other outputs stay real); the bound values overlay its outputs.
    const bound = this.bound?.get(node.id);
    const key = bound ? hashOf(`${own}|bound|${canonicalJson(bound)}`) : own;
    this.#keys.set(node.id, key);
    return key;
  }
}
