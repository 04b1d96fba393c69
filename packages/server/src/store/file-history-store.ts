/**
 * History on disk: one JSON file per finished prompt in `<dataDir>/history/`, each written atomically,
 * so a crash can lose at most the prompt being recorded and never corrupts another entry. An in-memory
 * index ordered by `seq` serves reads. Capped like ComfyUI (10,000 entries, oldest dropped).
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.ts';
import type { HistoryPage, HistoryRecord, HistoryStore } from './history-types.ts';

/** ComfyUI's MAXIMUM_HISTORY_SIZE. */
export const MAX_HISTORY = 10_000;

// Only the fields the index relies on are checked; the rest was written by this code.
const RecordShape = z.looseObject({
  promptId: z.string().min(1),
  seq: z.number().int().nonnegative(),
  entry: z.looseObject({ prompt: z.array(z.unknown()), outputs: z.record(z.string(), z.unknown()), status: z.looseObject({}) }),
  loom: z.looseObject({ outcome: z.enum(['success', 'error', 'interrupted']) }),
});

export class FileHistoryStore implements HistoryStore {
  readonly #dir: string;
  readonly #records = new Map<string, HistoryRecord>();
  #seq = 0;

  constructor(
    dataDir: string,
    private readonly max = MAX_HISTORY,
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.#dir = join(dataDir, 'history');
  }

  async load(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const loaded: HistoryRecord[] = [];
    for (const name of await readdir(this.#dir)) {
      const path = join(this.#dir, name);
      if (name.endsWith('.tmp')) {
        await rm(path, { force: true }); // a write cut short by a crash; the target was never replaced
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const parsed = RecordShape.parse(JSON.parse(await readFile(path, 'utf8')));
        loaded.push(parsed as unknown as HistoryRecord); // the loose shape was checked above; the rest is ours
      } catch (err) {
        this.warn(`Skipping unreadable history file ${path}: ${(err as Error).message}`);
      }
    }
    loaded.sort((a, b) => a.seq - b.seq);
    this.#records.clear();
    for (const record of loaded) this.#records.set(record.promptId, record);
    this.#seq = loaded.at(-1)?.seq ?? 0;
  }

  get size(): number {
    return this.#records.size;
  }

  async put(record: Omit<HistoryRecord, 'seq'>): Promise<HistoryRecord> {
    const full: HistoryRecord = { ...record, seq: ++this.#seq };
    await writeFileAtomic(this.#file(full.promptId), JSON.stringify(full));
    this.#records.delete(full.promptId);
    this.#records.set(full.promptId, full);
    if (this.#records.size > this.max) {
      const excess = [...this.#records.keys()].slice(0, this.#records.size - this.max);
      await this.delete(excess);
    }
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
    let removed = 0;
    for (const id of promptIds) {
      if (!this.#records.delete(id)) continue;
      removed++;
      await rm(this.#file(id), { force: true });
    }
    return removed;
  }

  async clear(): Promise<void> {
    await this.delete([...this.#records.keys()]);
  }

  #file(promptId: string): string {
    // Prompt ids are checked at submission (letters, digits, _ . -, not starting with a dot).
    return join(this.#dir, `${promptId}.json`);
  }
}
