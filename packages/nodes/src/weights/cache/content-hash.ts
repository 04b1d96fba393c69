/**
 * Content hashes of weight files, streamed (a 7 GB checkpoint is never held in memory) and
 * remembered in `hashes.json` by path, size and mtime, so the second load of an unchanged file
 * costs one `stat`, not a re-read of gigabytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

const Memo = z.object({
  version: z.literal(1),
  files: z.record(z.string(), z.object({ size: z.number(), mtimeMs: z.number(), sha256: z.string() })),
});
type MemoData = z.infer<typeof Memo>;

/** Reports hashing progress in bytes. */
export type HashProgress = (doneBytes: number, totalBytes: number) => void;

/** The sha256 memo stored at `memoPath`; a missing or damaged memo starts empty. */
export class HashMemo {
  private constructor(
    private readonly memoPath: string,
    private readonly data: MemoData,
  ) {}

  static async open(memoPath: string): Promise<HashMemo> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(memoPath, 'utf8'));
    } catch {
      raw = undefined; // missing or half-written: start over
    }
    const parsed = Memo.safeParse(raw);
    return new HashMemo(memoPath, parsed.success ? parsed.data : { version: 1, files: {} });
  }

  /** sha256 (hex) of `path`'s bytes, from the memo when size and mtime are unchanged. */
  async hash(path: string, progress?: HashProgress, signal?: AbortSignal): Promise<string> {
    const abs = resolve(path);
    const { size, mtimeMs } = await stat(abs);
    const known = this.data.files[abs];
    if (known && known.size === size && known.mtimeMs === mtimeMs) return known.sha256;
    const sha256 = await streamSha256(abs, size, progress, signal);
    this.data.files[abs] = { size, mtimeMs, sha256 };
    return sha256;
  }

  /** Writes the memo (atomically: a crash never leaves half a file). */
  async save(): Promise<void> {
    await mkdir(dirname(this.memoPath), { recursive: true });
    const tmp = `${this.memoPath}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(this.data));
    await rename(tmp, this.memoPath);
  }
}

async function streamSha256(path: string, size: number, progress?: HashProgress, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  let done = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20, ...(signal ? { signal } : {}) })) {
    hash.update(chunk as Buffer);
    done += (chunk as Buffer).length;
    progress?.(done, size);
  }
  return hash.digest('hex');
}
