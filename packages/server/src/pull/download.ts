/**
 * One file, fetched so that a cut connection costs nothing: bytes go to `<dest>.part`, a retry asks for
 * the rest with an HTTP `Range: bytes=<have>-` request, the sha256 is computed while the bytes arrive
 * (the bytes already in the `.part` file are hashed first), and only a complete, verified file is renamed
 * to its final name (rename is atomic within a folder, so a final name never holds a partial file).
 *
 * Hand-written on Node's fetch: @huggingface/hub's downloadFile returns a lazy Blob whose ranged reads
 * append whatever the server answers, so a server that ignores `Range` (200 instead of 206) would
 * silently corrupt a resumed file; here the status and `Content-Range` are checked before a byte is kept.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LoomError } from '@loom/engine';

export interface DownloadRequest {
  url: string;
  /** Where the file lands; `<dest>.part` holds it while it arrives. */
  dest: string;
  /** Expected size in bytes, when the source says (hub listing, or the first response). */
  size?: number;
  /** Expected sha256 (hex), e.g. the hub's LFS `oid`; a mismatch removes the file. */
  sha256?: string;
  /** Sent as `Authorization: Bearer …` (fetch drops it on a redirect to another host, as the hub's CDN needs). */
  token?: string;
  /**
   * Called with each chunk's byte count, once with the bytes resumed from a `.part` file, and with
   * minus what was counted when a server ignores `Range` and the download starts over.
   */
  onBytes?: (bytes: number, resumed: boolean) => void;
  /** Consecutive failed attempts (no new byte) before giving up. */
  retries?: number;
  /** Waits between attempts (tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>;
}

export interface DownloadResult {
  dest: string;
  bytes: number;
  /** Bytes that were already in the `.part` file. */
  resumedFrom: number;
  sha256: string;
  /** The file was already complete under its final name; nothing was fetched. */
  skipped: boolean;
}

const sizeOf = async (path: string): Promise<number | undefined> => (await stat(path).catch(() => undefined))?.size;

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** A failure that another attempt can fix (the connection dropped, the server had a bad moment). */
class Transient extends Error {}

function httpError(status: number, url: string, token: boolean): LoomError {
  if (status === 401 || status === 403) {
    const hint = token
      ? 'the token in HF_TOKEN was refused: check it has read access to this repository'
      : 'set HF_TOKEN to a token with read access (gated or private repositories need one)';
    return new LoomError('DOWNLOAD_FAILED', `${url}: HTTP ${status}, access denied; ${hint}.`);
  }
  if (status === 404) return new LoomError('MODEL_NOT_FOUND', `${url}: HTTP 404, no such file; check the repository name, the revision and the path.`);
  return new LoomError('DOWNLOAD_FAILED', `${url}: HTTP ${status}.`);
}

/** Fetches `request.url` into `request.dest`, resuming a `.part` file, verifying size and sha256. */
export async function download(request: DownloadRequest): Promise<DownloadResult> {
  const { url, dest } = request;
  const part = `${dest}.part`;
  const sleep = request.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  await mkdir(dirname(dest), { recursive: true });

  const existing = await sizeOf(dest);
  if (existing !== undefined && request.size !== undefined && existing === request.size) {
    const hash = createHash('sha256');
    await hashFile(dest, hash);
    const digest = hash.digest('hex');
    if (request.sha256 === undefined || digest === request.sha256) {
      request.onBytes?.(existing, true);
      return { dest, bytes: existing, resumedFrom: existing, sha256: digest, skipped: true };
    }
  }

  let have = (await sizeOf(part)) ?? 0;
  if (request.size !== undefined && have > request.size) have = 0;
  let hash = createHash('sha256');
  if (have > 0) await hashFile(part, hash);
  let resumedFrom = have;
  if (have > 0) request.onBytes?.(have, true);
  let total = request.size;
  let failures = 0;
  const maxFailures = request.retries ?? 5;

  for (;;) {
    if (total !== undefined && have === total) break;
    const before = have;
    let file: FileHandle | undefined;
    try {
      const response = await fetch(url, {
        headers: { ...(have > 0 && { Range: `bytes=${have}-` }), ...(request.token !== undefined && { Authorization: `Bearer ${request.token}` }) },
      });
      if (response.status === 416 && total === undefined) {
        // The `.part` file already holds every byte the server has.
        total = have;
        await response.body?.cancel();
        break;
      }
      if (response.status >= 500) throw new Transient(`HTTP ${response.status}`);
      if (!response.ok) {
        await response.body?.cancel();
        throw httpError(response.status, url, request.token !== undefined);
      }
      if (response.status === 206) {
        const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
        if (!range || Number(range[1]) !== have)
          throw new LoomError(
            'DOWNLOAD_FAILED',
            `${url}: the server answered a resume request with the wrong range (${response.headers.get('content-range') ?? 'none'}).`,
          );
        if (range[2] !== '*') total ??= Number(range[2]);
      } else {
        // 200: the whole file (a server without Range support): start over rather than append.
        request.onBytes?.(-have, true);
        have = 0;
        resumedFrom = 0;
        hash = createHash('sha256');
        const length = response.headers.get('content-length');
        if (length !== null) total ??= Number(length);
      }
      file = await open(part, have === 0 ? 'w' : 'a');
      if (!response.body) throw new Transient('empty body');
      try {
        for await (const chunk of response.body) {
          const bytes = chunk as Uint8Array;
          await file.write(bytes);
          hash.update(bytes);
          have += bytes.byteLength;
          request.onBytes?.(bytes.byteLength, false);
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw err;
        throw new Transient(err instanceof Error ? err.message : String(err));
      }
      await file.sync();
      if (total === undefined) total = have;
      if (have < total) throw new Transient(`connection closed at ${have} of ${total} bytes`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        throw new LoomError(
          'DOWNLOAD_FAILED',
          `${part}: the disk is full after ${have} bytes. Free some space and run the same command again: the download resumes from there.`,
          { cause: err },
        );
      }
      const transient = err instanceof Transient || (err instanceof TypeError && !(err instanceof LoomError));
      if (!transient) throw err;
      failures = have > before ? 1 : failures + 1;
      if (failures > maxFailures) {
        throw new LoomError(
          'DOWNLOAD_FAILED',
          `${url}: the connection keeps failing (${(err as Error).message}); ${have} bytes are kept in ${part}, run the same command again to resume.`,
          { cause: err },
        );
      }
      await sleep(Math.min(10_000, 250 * 2 ** failures));
    } finally {
      await file?.close();
    }
  }

  const digest = hash.digest('hex');
  if (request.sha256 !== undefined && digest !== request.sha256) {
    await rm(part, { force: true });
    throw new LoomError(
      'BAD_FILE',
      `${dest}: checksum mismatch (sha256 ${digest}, the hub says ${request.sha256}); the download was removed. Run the command again; if it fails the same way, the mirror or the hub serves a different file than it lists.`,
    );
  }
  await rename(part, dest);
  return { dest, bytes: have, resumedFrom, sha256: digest, skipped: false };
}
