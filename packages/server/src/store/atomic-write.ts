/**
 * Crash-safe file replacement: write a temporary file beside the target, fsync it, rename it over the
 * target, then fsync the directory. After a SIGKILL or power loss a reader sees either the old or the
 * new content, never a torn mix (rename is atomic within one POSIX filesystem).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Atomically replaces `path` with `data`. The directory must exist. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDirectory(dirname(path));
}

/** Makes a rename durable: the directory entry itself must reach the disk. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync directories; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

/**
 * Serialises writes of one file and coalesces bursts: while a write is in flight, later requests are
 * merged into one follow-up write of the newest state, so N rapid changes cost at most two writes.
 */
export class CoalescingWriter {
  #inFlight: Promise<void> | null = null;
  #pending: Promise<void> | null = null;

  constructor(
    readonly path: string,
    private readonly snapshot: () => string,
  ) {}

  /** Resolves once a write that includes the state as of this call has reached the disk. */
  write(): Promise<void> {
    if (this.#pending) return this.#pending;
    if (!this.#inFlight) {
      this.#inFlight = writeFileAtomic(this.path, this.snapshot()).finally(() => {
        this.#inFlight = null;
      });
      return this.#inFlight;
    }
    const previous = this.#inFlight;
    this.#pending = previous
      .catch(() => {})
      .then(() => {
        this.#pending = null;
        return this.write();
      });
    return this.#pending;
  }
}
