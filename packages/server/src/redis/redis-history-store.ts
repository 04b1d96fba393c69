/**
 * History in Redis: a HASH of records (prompt id → JSON) and a ZSET ordering them by `seq`. Reads are
 * served from an in-memory index loaded at start, like the file store: the one API server is the only
 * writer, so its index is always current. Capped like ComfyUI (10,000 entries, oldest dropped).
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { MAX_HISTORY } from '../store/file-history-store.ts';
import type { HistoryPage, HistoryRecord, HistoryStore } from '../store/history-types.ts';
import type { RedisKeys } from './redis-keys.ts';

// Only the fields the index relies on are checked; the rest was written by this code.
const RecordShape = z.looseObject({
  promptId: z.string().min(1),
  seq: z.number().int().nonnegative(),
  entry: z.looseObject({ prompt: z.array(z.unknown()), outputs: z.record(z.string(), z.unknown()), status: z.looseObject({}) }),
  loom: z.looseObject({ outcome: z.enum(['success', 'error', 'interrupted']) }),
});

export class RedisHistoryStore implements HistoryStore {
  readonly #records = new Map<string, HistoryRecord>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly max = MAX_HISTORY,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  async load(): Promise<void> {
    const ids = await this.redis.zrange(this.keys.history, '0', '-1');
    const texts = ids.length > 0 ? await this.redis.hmget(this.keys.historyData, ...ids) : [];
    this.#records.clear();
    ids.forEach((id, i) => {
      const text = texts[i];
      if (text === null || text === undefined) return;
      try {
        // The loose shape was checked; the rest of the record was written by put().
        this.#records.set(id, RecordShape.parse(JSON.parse(text)) as unknown as HistoryRecord);
      } catch (err) {
        this.warn(`Skipping unreadable history record ${id} in Redis: ${(err as Error).message}`);
      }
    });
  }

  get size(): number {
    return this.#records.size;
  }

  async put(record: Omit<HistoryRecord, 'seq'>): Promise<HistoryRecord> {
    const full: HistoryRecord = { ...record, seq: await this.redis.incr(this.keys.historySeq) };
    await this.redis.multi().hset(this.keys.historyData, full.promptId, JSON.stringify(full)).zadd(this.keys.history, full.seq, full.promptId).exec();
    this.#records.delete(full.promptId);
    this.#records.set(full.promptId, full);
    if (this.#records.size > this.max) await this.delete([...this.#records.keys()].slice(0, this.#records.size - this.max));
    return full;
  }

  get(promptId: string): HistoryRecord | undefined {
    return this.#records.get(promptId);
  }

  page(offset: number, limit: number): HistoryPage {
    const all = [...this.#records.values()];
    const start = Math.max(0, offset);
    return { items: all.slice(start, start + Math.max(0, limit)), total: all.length };
  }

  async delete(promptIds: string[]): Promise<number> {
    const known = [...new Set(promptIds)].filter((id) => this.#records.has(id));
    if (known.length === 0) return 0;
    await this.redis.multi().hdel(this.keys.historyData, ...known).zrem(this.keys.history, ...known).exec();
    for (const id of known) this.#records.delete(id);
    return known.length;
  }

  async clear(): Promise<void> {
    await this.redis.del(this.keys.historyData, this.keys.history);
    this.#records.clear();
  }
}
