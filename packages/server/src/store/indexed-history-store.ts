/**
 * What the file and Redis history stores share: the in-memory index in `seq` order that serves every
 * read (each store's process is the only writer, so the index is always current), ComfyUI's cap with the
 * oldest dropped, and the check of a stored record read back. Subclasses keep the durable copy.
 */
import { z } from 'zod';
import type { HistoryPage, HistoryRecord, HistoryStore } from './history-types.ts';

/** ComfyUI's MAXIMUM_HISTORY_SIZE (execution.py, PromptQueue). */
export const MAX_HISTORY = 10_000;

// Only the fields the index relies on are checked; the rest was written by this code.
const RecordShape = z.looseObject({
  promptId: z.string().min(1),
  seq: z.number().int().nonnegative(),
  entry: z.looseObject({ prompt: z.array(z.unknown()), outputs: z.record(z.string(), z.unknown()), status: z.looseObject({}) }),
  loom: z.looseObject({ outcome: z.enum(['success', 'error', 'interrupted']) }),
});

/** A stored record's JSON text, checked where the index relies on it (throws on anything else). */
export function parseStoredRecord(text: string): HistoryRecord {
  // The loose shape is checked; the rest of the record was written by put().
  return RecordShape.parse(JSON.parse(text)) as unknown as HistoryRecord;
}

export abstract class IndexedHistoryStore implements HistoryStore {
  /** Oldest first (Map insertion order follows `seq`). */
  protected readonly records = new Map<string, HistoryRecord>();

  constructor(protected readonly max: number) {}

  abstract load(): Promise<void>;
  abstract put(record: Omit<HistoryRecord, 'seq'>): Promise<HistoryRecord>;
  abstract delete(promptIds: string[]): Promise<number>;
  abstract clear(): Promise<void>;

  get size(): number {
    return this.records.size;
  }

  get(promptId: string): HistoryRecord | undefined {
    return this.records.get(promptId);
  }

  page(offset: number, limit: number): HistoryPage {
    const all = [...this.records.values()];
    const start = Math.max(0, offset);
    return { items: all.slice(start, start + Math.max(0, limit)), total: all.length };
  }

  /** Indexes a record `put` has stored as the newest, then deletes the oldest beyond the cap. */
  protected async indexStored(record: HistoryRecord): Promise<void> {
    this.records.delete(record.promptId);
    this.records.set(record.promptId, record);
    if (this.records.size > this.max) await this.delete([...this.records.keys()].slice(0, this.records.size - this.max));
  }
}
