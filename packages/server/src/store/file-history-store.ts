/**
 * History on disk: one JSON file per finished prompt in `<dataDir>/history/`, each written atomically,
 * so a crash can lose at most the prompt being recorded and never corrupts another entry. An in-memory
 * index ordered by `seq` serves reads. Capped like ComfyUI (10,000 entries, oldest dropped).
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import type { HistoryRecord } from './history-types.ts';
import { IndexedHistoryStore, MAX_HISTORY, parseStoredRecord } from './indexed-history-store.ts';

export class FileHistoryStore extends IndexedHistoryStore {
  readonly #dir: string;
  #seq = 0;

  constructor(
    dataDir: string,
    max = MAX_HISTORY,
    private readonly warn: (message: string) => void = () => {},
  ) {
    super(max);
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
        loaded.push(parseStoredRecord(await readFile(path, 'utf8')));
      } catch (err) {
        this.warn(`Skipping unreadable history file ${path}: ${(err as Error).message}`);
      }
    }
    loaded.sort((a, b) => a.seq - b.seq);
    this.records.clear();
    for (const record of loaded) this.records.set(record.promptId, record);
    this.#seq = loaded.at(-1)?.seq ?? 0;
  }

  async put(record: Omit<HistoryRecord, 'seq'>): Promise<HistoryRecord> {
    const full: HistoryRecord = { ...record, seq: ++this.#seq };
    await writeFileAtomic(this.#file(full.promptId), JSON.stringify(full));
    await this.indexStored(full);
    return full;
  }

  async delete(promptIds: string[]): Promise<number> {
    let removed = 0;
    for (const id of promptIds) {
      if (!this.records.delete(id)) continue;
      removed++;
      await rm(this.#file(id), { force: true });
    }
    return removed;
  }

  async clear(): Promise<void> {
    await this.delete([...this.records.keys()]);
  }

  #file(promptId: string): string {
    // Prompt ids are checked at submission (letters, digits, _ . -, not starting with a dot).
    return join(this.#dir, `${promptId}.json`);
  }
}
