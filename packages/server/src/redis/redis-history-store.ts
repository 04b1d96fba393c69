/**
 * History in Redis: a HASH of records (prompt id → JSON) and a ZSET ordering them by `seq`. Reads are
 * served from an in-memory index loaded at start, like the file store: the one API server is the only
 * writer, so its index is always current. Capped like ComfyUI (10,000 entries, oldest dropped).
 */
import type { Redis } from 'ioredis';
import type { HistoryRecord } from '../store/history-types.ts';
import { IndexedHistoryStore, MAX_HISTORY, parseStoredRecord } from '../store/indexed-history-store.ts';
import type { RedisKeys } from './redis-keys.ts';

export class RedisHistoryStore extends IndexedHistoryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    max = MAX_HISTORY,
    private readonly warn: (message: string) => void = () => {},
  ) {
    super(max);
  }

  async load(): Promise<void> {
    const ids = await this.redis.zrange(this.keys.history, '0', '-1');
    const texts = ids.length > 0 ? await this.redis.hmget(this.keys.historyData, ...ids) : [];
    this.records.clear();
    ids.forEach((id, i) => {
      const text = texts[i];
      if (text === null || text === undefined) return;
      try {
        this.records.set(id, parseStoredRecord(text));
      } catch (err) {
        this.warn(`Skipping unreadable history record ${id} in Redis: ${(err as Error).message}`);
      }
    });
  }

  async put(record: Omit<HistoryRecord, 'seq'>): Promise<HistoryRecord> {
    const full: HistoryRecord = { ...record, seq: await this.redis.incr(this.keys.historySeq) };
    await this.redis.multi().hset(this.keys.historyData, full.promptId, JSON.stringify(full)).zadd(this.keys.history, full.seq, full.promptId).exec();
    await this.indexStored(full);
    return full;
  }

  async delete(promptIds: string[]): Promise<number> {
    const known = [...new Set(promptIds)].filter((id) => this.records.has(id));
    if (known.length === 0) return 0;
    await this.redis
      .multi()
      .hdel(this.keys.historyData, ...known)
      .zrem(this.keys.history, ...known)
      .exec();
    for (const id of known) this.records.delete(id);
    return known.length;
  }

  async clear(): Promise<void> {
    await this.redis.del(this.keys.historyData, this.keys.history);
    this.records.clear();
  }
}
