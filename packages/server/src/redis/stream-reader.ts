/**
 * Reads the worker → server record stream in order with XREAD BLOCK, from a cursor kept in Redis, so a
 * server that loses its connection (Redis restarting) or restarts itself resumes where it stopped.
 * Runs on its own connection because a blocked XREAD holds it.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.ts';

/** One stream entry: `p` prompt id, `a` attempt, `k` kind, `w` worker id, `d` data. */
export interface StreamRecord {
  id: string;
  promptId: string;
  attempt: number;
  kind: 'claimed' | 'event' | 'end';
  worker: string;
  data: string;
}

export function parseRecord(id: string, fields: string[]): StreamRecord | null {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  const kind = map.get('k');
  const promptId = map.get('p');
  if (promptId === undefined || (kind !== 'claimed' && kind !== 'event' && kind !== 'end')) return null;
  return { id, promptId, attempt: Number(map.get('a') ?? 0), kind, worker: map.get('w') ?? '', data: map.get('d') ?? '' };
}

export class StreamReader {
  #stopped = false;
  #loop: Promise<void> | null = null;

  constructor(
    private readonly reader: Redis,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly handle: (records: StreamRecord[]) => Promise<void>,
    private readonly log: (message: string) => void,
  ) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  async #run(): Promise<void> {
    let cursor = (await this.redis.get(this.keys.eventsCursor)) ?? '0';
    while (!this.#stopped) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await this.reader.xread('COUNT', 200, 'BLOCK', 1000, 'STREAMS', this.keys.events, cursor)) as [string, [string, string[]][]][] | null;
      } catch (err) {
        if (this.#stopped) return;
        this.log(`Reading worker events failed (${(err as Error).message}); retrying.`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) continue;
      const records = entries.map(([id, fields]) => parseRecord(id, fields)).filter((r): r is StreamRecord => r !== null);
      try {
        await this.handle(records);
      } catch (err) {
        // A record that cannot be handled must not wedge the stream for every other prompt.
        this.log(`Handling worker events failed: ${(err as Error).stack ?? String(err)}`);
      }
      cursor = (entries.at(-1) as [string, string[]])[0];
      await this.redis.set(this.keys.eventsCursor, cursor);
    }
  }

  /** Stops after the current batch; the caller disconnects the reader to cut a blocked XREAD short. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.reader.disconnect();
    await this.#loop?.catch(() => {});
  }
}
