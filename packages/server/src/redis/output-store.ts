/**
 * Output files streamed back by workers, stored by the API server in its own output (or temp) folder,
 * so `/view`, `/history` and the gallery work exactly as in embedded mode and workers need no shared
 * disk. Workers number their files independently (two of them both write `loom_00001_.png`), so a
 * name already taken by different bytes gets a `-N` suffix and the `ui` is rewritten to match; a file
 * with identical bytes (a cached output uploaded again) keeps the existing one.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Redis } from 'ioredis';
import type { UiPayload } from '@loom/engine';
import { writableFolderInside } from '../http/safe-path.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import type { FileRef } from './wire.ts';

export interface OutputDirs {
  outputDir: string;
  tempDir: string;
}

const MAX_SUFFIX = 10_000;

/** Writes `bytes` as `filename` in `dir`, or as `stem-N.ext` if that name holds other bytes; returns the name. */
export async function placeFile(dir: string, filename: string, bytes: Buffer): Promise<string> {
  const ext = extname(filename);
  const stem = filename.slice(0, filename.length - ext.length);
  for (let n = 0; n < MAX_SUFFIX; n++) {
    const name = n === 0 ? filename : `${stem}-${n}${ext}`;
    let existing: Buffer;
    try {
      existing = await readFile(join(dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Events are stored one at a time by the server, so nothing races for this name.
      await writeFileAtomic(join(dir, name), bytes);
      return name;
    }
    if (existing.equals(bytes)) return name;
  }
  throw new Error(`More than ${MAX_SUFFIX} different files named like ${filename} in ${dir}.`);
}

export class OutputStore {
  constructor(
    private readonly redis: Redis,
    private readonly dirs: OutputDirs,
  ) {}

  /** Stores the files an event's ui names and returns the ui with the names they were stored under. */
  async store(ui: UiPayload, files: FileRef[]): Promise<UiPayload> {
    const out: UiPayload = {};
    for (const [key, items] of Object.entries(ui)) out[key] = [...items];
    for (const file of files) {
      const bytes = await this.redis.getBuffer(file.key);
      if (!bytes) throw new Error(`The worker's copy of ${file.filename} expired from Redis before it was stored.`);
      const root = file.type === 'temp' ? this.dirs.tempDir : this.dirs.outputDir;
      const folder = await writableFolderInside(root, file.subfolder);
      const name = await placeFile(folder, basename(file.filename), bytes);
      // Matched against the original ui, so a renamed entry is never matched again by a later file.
      for (const [key, items] of Object.entries(ui)) {
        items.forEach((item, i) => {
          const entry = item as Record<string, unknown> | null;
          if (entry && entry.filename === file.filename && (entry.subfolder ?? '') === file.subfolder && entry.type === file.type)
            (out[key] as unknown[])[i] = { ...entry, filename: name };
        });
      }
    }
    if (files.length > 0) await this.redis.del(...files.map((f) => f.key));
    return out;
  }
}
