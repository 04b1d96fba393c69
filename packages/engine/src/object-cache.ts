/**
 * The object cache: heavy resources (inference sessions, LoRA-patched weights, text encodings) keyed by
 * content, with a byte budget and least-recently-used eviction. Entries used by a run that is still going
 * are never evicted from under it; the cache may exceed its budget until that run ends.
 */
export interface CachedObject<T> {
  value: T;
  /** Approximate resident size, counted against the budget. */
  bytes: number;
  /** Releases native resources when the entry is evicted. */
  dispose?: () => void | Promise<void>;
}

interface Entry {
  object: CachedObject<unknown>;
  users: Set<string>;
}

export interface ObjectCacheStats {
  entries: number;
  bytes: number;
  budgetBytes: number;
  hits: number;
  misses: number;
  evictions: number;
  /**
   * Wall time spent creating entries (loading sessions, encoding, patching), in ms since the store was
   * made. Nested and concurrent creations count once (the union of their intervals), so a worker can
   * tell how long a run spent loading rather than computing.
   */
  createMs: number;
}

/** A run's view of the cache: what it touches stays pinned until the run ends. */
export interface ObjectCache {
  getOrCreate<T>(key: string, create: () => Promise<CachedObject<T>> | CachedObject<T>): Promise<T>;
  has(key: string): boolean;
}

export class ObjectStore {
  // Map iteration order is insertion order: re-inserting on use keeps the LRU entry first.
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<unknown>>();
  readonly #activeRuns = new Set<string>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #createMs = 0;
  /** Creations in progress, and when the first of them began. */
  #creating = 0;
  #creatingSince = 0;

  constructor(readonly budgetBytes: number) {}

  /** The cache as seen by one run. */
  forRun(runId: string): ObjectCache {
    this.#activeRuns.add(runId);
    return {
      getOrCreate: (key, create) => this.#getOrCreate(runId, key, create),
      has: (key) => this.#entries.has(key),
    };
  }

  /** Unpins what the run used and evicts down to the budget. */
  async endRun(runId: string): Promise<void> {
    this.#activeRuns.delete(runId);
    for (const entry of this.#entries.values()) entry.users.delete(runId);
    await this.#evict();
  }

  async #getOrCreate<T>(runId: string, key: string, create: () => Promise<CachedObject<T>> | CachedObject<T>): Promise<T> {
    const entry = this.#entries.get(key);
    if (entry) {
      this.#hits++;
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      entry.users.add(runId);
      return entry.object.value as T;
    }
    const pending = this.#pending.get(key);
    if (pending) {
      this.#hits++;
      const value = (await pending) as T;
      this.#entries.get(key)?.users.add(runId);
      return value;
    }
    this.#misses++;
    const creating = (async () => {
      const object = await this.#timed(create);
      this.#entries.set(key, { object, users: new Set([runId]) });
      this.#bytes += object.bytes;
      return object.value;
    })();
    this.#pending.set(key, creating);
    try {
      const value = await creating;
      await this.#evict();
      return value;
    } finally {
      this.#pending.delete(key);
    }
  }

  async #timed<T>(create: () => Promise<CachedObject<T>> | CachedObject<T>): Promise<CachedObject<T>> {
    if (this.#creating++ === 0) this.#creatingSince = performance.now();
    try {
      return await create();
    } finally {
      if (--this.#creating === 0) this.#createMs += performance.now() - this.#creatingSince;
    }
  }

  async #evict(): Promise<void> {
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.budgetBytes) return;
      if ([...entry.users].some((run) => this.#activeRuns.has(run))) continue;
      await this.delete(key);
      this.#evictions++;
    }
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  async delete(key: string): Promise<boolean> {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#entries.delete(key);
    this.#bytes -= entry.object.bytes;
    await entry.object.dispose?.();
    return true;
  }

  /** Drops every entry not pinned by a running run (ComfyUI's `/free`). */
  async clear(): Promise<void> {
    for (const [key, entry] of this.#entries) {
      if (![...entry.users].some((run) => this.#activeRuns.has(run))) await this.delete(key);
    }
  }

  stats(): ObjectCacheStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      budgetBytes: this.budgetBytes,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      createMs: this.#createMs,
    };
  }
}
