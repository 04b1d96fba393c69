/**
 * The output cache: a node's outputs (and what an output node shows) by cache key (cache-keys.ts), so an
 * identical re-run executes nothing and a changed parameter re-runs exactly what is downstream. Outputs
 * hold latents and images, so the cache is bounded by an estimate of their bytes, least recently used
 * first out, not by an entry count.
 */
import type { UiPayload } from './node.ts';
import { estimateBytes } from './value-bytes.ts';

export interface CachedOutputs {
  outputs: Record<string, unknown>;
  ui?: UiPayload;
}

interface Held extends CachedOutputs {
  bytes: number;
}

/** 2 GiB: thousands of SD1.5 latents or hundreds of 512² RGB images, well under the object cache's budget. */
const DEFAULT_BUDGET_BYTES = 2 * 1024 ** 3;

export class OutputCache {
  // Map insertion order doubles as recency order (least recent first).
  readonly #entries = new Map<string, Held>();
  #bytes = 0;

  constructor(readonly budgetBytes = DEFAULT_BUDGET_BYTES) {}

  get(key: string): CachedOutputs | undefined {
    const held = this.#entries.get(key);
    if (!held) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, held);
    return held;
  }

  /** Stores an entry and evicts the least recently used down to the budget; one larger than the whole budget is not kept. */
  set(key: string, entry: CachedOutputs): void {
    this.#remove(key);
    // Outputs and ui apart: each is usually flat, which value-bytes.ts sizes without a walk.
    const bytes = estimateBytes(entry.outputs) + (entry.ui ? estimateBytes(entry.ui) : 0);
    if (bytes > this.budgetBytes) return;
    // One record per entry (a graph of 100,000 nodes keeps 100,000 of them alive, and each costs the GC).
    this.#entries.set(key, entry.ui ? { outputs: entry.outputs, ui: entry.ui, bytes } : { outputs: entry.outputs, bytes });
    this.#bytes += bytes;
    if (this.#bytes <= this.budgetBytes) return;
    for (const oldest of this.#entries.keys()) {
      this.#remove(oldest);
      if (this.#bytes <= this.budgetBytes) break;
    }
  }

  #remove(key: string): void {
    const held = this.#entries.get(key);
    if (!held) return;
    this.#entries.delete(key);
    this.#bytes -= held.bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Estimated bytes held (see value-bytes.ts). */
  get bytes(): number {
    return this.#bytes;
  }
}
