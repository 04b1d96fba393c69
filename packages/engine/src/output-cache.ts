/**
 * The output cache: a node's outputs (and what an output node shows) by cache key. The key is the node
 * type, its canonical parameters, its fingerprint and the keys of its upstream inputs (see DESIGN.md),
 * so an identical re-run executes nothing and a changed parameter re-runs exactly what is downstream.
 */
import type { UiPayload } from './node.ts';

export interface CachedOutputs {
  outputs: Record<string, unknown>;
  ui?: UiPayload;
}

export class OutputCache {
  // Map insertion order doubles as recency order (least recent first).
  readonly #entries = new Map<string, CachedOutputs>();

  constructor(readonly maxEntries = 10_000) {}

  get(key: string): CachedOutputs | undefined {
    const entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: CachedOutputs): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.maxEntries) break;
      this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
