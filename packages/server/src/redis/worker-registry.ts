/**
 * Worker liveness and capabilities. Each worker rewrites its advert every heartbeat with a TTL, so an
 * advert disappears on Redis's own clock when the worker dies: no comparison of clocks across machines.
 * The server requeues the prompt of a worker whose advert is gone (reconciler.ts), so the TTL is how
 * fast a dead worker is noticed. Cost per worker: one MULTI/SET/SADD/EXEC per heartbeat.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.ts';
import { WorkerAdvertShape, type WorkerAdvert } from './wire.ts';

/** Default advert lifetime: a worker silent this long is presumed dead (it heartbeats 4× as often). */
export const ADVERT_TTL_MS = 2000;

export async function writeAdvert(redis: Redis, keys: RedisKeys, advert: WorkerAdvert): Promise<void> {
  await redis.multi().set(keys.worker(advert.id), JSON.stringify(advert), 'PX', advert.ttlMs).sadd(keys.workerIds, advert.id).exec();
}

export async function removeAdvert(redis: Redis, keys: RedisKeys, workerId: string): Promise<void> {
  await redis.multi().del(keys.worker(workerId)).srem(keys.workerIds, workerId).exec();
}

/** The workers alive now; ids whose advert expired are pruned from the id set. */
export async function readLiveWorkers(redis: Redis, keys: RedisKeys, warn: (message: string) => void = () => {}): Promise<WorkerAdvert[]> {
  const ids = (await redis.smembers(keys.workerIds)).sort();
  if (ids.length === 0) return [];
  const texts = await redis.mget(...ids.map((id) => keys.worker(id)));
  const live: WorkerAdvert[] = [];
  const gone: string[] = [];
  ids.forEach((id, i) => {
    const text = texts[i];
    if (text === null || text === undefined) return void gone.push(id);
    let value: unknown = null;
    try {
      value = JSON.parse(text);
    } catch {
      // reported below as unreadable
    }
    const parsed = WorkerAdvertShape.safeParse(value);
    if (parsed.success) live.push(parsed.data);
    else warn(`Ignoring an unreadable advert from worker ${id}: ${parsed.error.message}`);
  });
  if (gone.length > 0) await redis.srem(keys.workerIds, ...gone);
  return live;
}

/**
 * The token a worker fetches BullMQ jobs with (BullMQ stores it as the job's lock): it names the worker
 * and its instance, so the server can tell whose a fetched-but-unclaimed job is.
 */
export function lockToken(workerId: string, instance: string, n: number): string {
  return `${workerId}:${instance}:${n}`;
}

/** The worker and instance of a {@link lockToken}; null for a token in another form. */
export function parseLockToken(token: string): { workerId: string; instance: string } | null {
  const [workerId, instance, n] = token.split(':');
  return workerId && instance && n !== undefined ? { workerId, instance } : null;
}
