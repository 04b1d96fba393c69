/**
 * Publishes one attempt's engine events to the server, strictly in order (a promise chain), through
 * the attempt-checked script. Output files an event's `ui` names are put into Redis first, so the
 * server can store them before it forwards the event (streamed back: no shared disk needed). Once the
 * script refuses (another attempt owns the prompt now) nothing more is sent.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { EngineEvent } from '@loom/engine';
import type { RedisKeys } from '../redis/redis-keys.ts';
import type { RunScripts } from '../redis/run-scripts.ts';
import { encodeEvent, uiFiles, type FileRef } from '../redis/wire.ts';

/** Previews are dropped (progress still sent) while this many events wait: a slow link must not lag a run. */
const PREVIEW_BACKLOG = 32;
/** Uploaded files live a day in Redis; the server deletes them as soon as it has stored them. */
const FILE_TTL_S = 24 * 3600;

export interface PublisherOptions {
  redis: Redis;
  keys: RedisKeys;
  scripts: RunScripts;
  promptId: string;
  jobId: string;
  attempt: number;
  workerId: string;
  dirs: { outputDir: string; tempDir: string };
  log: (message: string) => void;
  /** Called once if the prompt turns out to belong to another attempt. */
  onLost: () => void;
}

export class EventPublisher {
  #chain: Promise<void> = Promise.resolve();
  #waiting = 0;
  #files = 0;
  #lost = false;

  constructor(private readonly o: PublisherOptions) {}

  get lost(): boolean {
    return this.#lost;
  }

  push(event: EngineEvent): void {
    let sent = event;
    if (sent.type === 'node.progress' && sent.preview && sent.preview.output !== true && this.#waiting > PREVIEW_BACKLOG) {
      const { preview: _dropped, ...rest } = sent;
      sent = rest;
    }
    this.#waiting++;
    this.#chain = this.#chain
      .then(() => this.#send(sent))
      .catch((err: unknown) => this.o.log(`Could not publish ${sent.type} for prompt ${this.o.promptId}: ${(err as Error).message}`))
      .finally(() => void this.#waiting--);
  }

  /** Resolves once everything pushed so far has been published (or refused). */
  drain(): Promise<void> {
    return this.#chain;
  }

  async #send(event: EngineEvent): Promise<void> {
    if (this.#lost) return;
    const files = (event.type === 'node.finished' || event.type === 'node.cached') && event.ui ? await this.#upload(event.ui) : [];
    const ok = await this.o.scripts.publish(this.o.promptId, this.o.attempt, 'event', this.o.workerId, encodeEvent(event, files));
    if (ok) return;
    this.#lost = true;
    if (files.length > 0) await this.o.redis.del(...files.map((f) => f.key));
    this.o.onLost();
  }

  async #upload(ui: Parameters<typeof uiFiles>[0]): Promise<FileRef[]> {
    const refs: FileRef[] = [];
    for (const file of uiFiles(ui)) {
      const root = file.type === 'temp' ? this.o.dirs.tempDir : this.o.dirs.outputDir;
      let bytes: Buffer;
      try {
        bytes = await readFile(join(root, file.subfolder, file.filename));
      } catch (err) {
        this.o.log(`Prompt ${this.o.promptId}: cannot read output ${file.filename} to send it: ${(err as Error).message}`);
        continue;
      }
      const key = this.o.keys.file(this.o.jobId, this.o.attempt, this.#files++);
      await this.o.redis.set(key, bytes, 'EX', FILE_TTL_S);
      refs.push({ key, type: file.type, subfolder: file.subfolder, filename: file.filename });
    }
    return refs;
  }
}
