/**
 * Scale-out mode for `createServer`: the Redis queue and history, sharing one command connection.
 * `npm start -- --redis URL` uses it; workers join with `loom-worker --redis URL`.
 */
import type { NodeRegistry } from '@loom/engine';
import { closeRedis, connectRedis } from './redis-connection.ts';
import { RedisHistoryStore } from './redis-history-store.ts';
import { RedisKeys } from './redis-keys.ts';
import { RedisQueue, type RedisQueueOptions } from './redis-queue.ts';

export interface RedisBackendOptions extends Pick<RedisQueueOptions, 'affinity' | 'maxRequeues' | 'reserveMs' | 'tickMs'> {
  url: string;
  /** Key prefix; one API server per prefix (default `loom`). */
  prefix?: string;
  registry: NodeRegistry;
  dirs: RedisQueueOptions['dirs'];
  log?: (message: string) => void;
}

export interface RedisBackend {
  queue: RedisQueue;
  history: RedisHistoryStore;
}

/** Connects (and checks the connection) before the server starts, so a wrong URL fails fast. */
export async function createRedisBackend(options: RedisBackendOptions): Promise<RedisBackend> {
  const log = options.log ?? (() => {});
  const keys = new RedisKeys(options.prefix);
  const redis = connectRedis(options.url, { name: 'loom-server', log });
  try {
    // The first connection attempt decides: refused or unreachable fails now, not after retries.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Redis at ${options.url} did not answer within 10 s.`)), 10_000);
      redis.once('error', (err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
      redis.ping().then(() => {
        clearTimeout(timer);
        resolve();
      }, reject);
    });
  } catch (err) {
    await closeRedis(redis);
    throw err;
  }
  const history = new RedisHistoryStore(redis, keys, undefined, log);
  const queue = new RedisQueue({ ...options, redis, keys, history, log });
  return { queue, history };
}
