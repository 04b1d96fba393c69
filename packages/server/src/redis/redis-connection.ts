/**
 * ioredis connections for scale-out mode. Commands wait through a Redis restart instead of failing
 * (`maxRetriesPerRequest: null`, the offline queue on): events a worker publishes while Redis is down
 * are sent, in order, once it is back. BullMQ requires the same setting for its workers.
 */
import { Redis } from 'ioredis';

export interface ConnectOptions {
  /** Shown in `CLIENT LIST` and in log lines. */
  name: string;
  log: (message: string) => void;
}

/** Reconnect quickly at first, then every 2 s at most: a restarted Redis is picked up within ~2 s. */
const retryDelay = (attempt: number): number => Math.min(100 * attempt, 2000);

export function connectRedis(url: string, options: ConnectOptions): Redis {
  const redis = new Redis(url, {
    connectionName: options.name,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: retryDelay,
  });
  // One line per outage, not one per retry.
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    options.log(`Redis (${options.name}): ${err.message}; reconnecting…`);
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    options.log(`Redis (${options.name}): reconnected.`);
  });
  return redis;
}

/** Closes a connection without waiting for a server that may be gone. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([redis.quit(), new Promise((resolve) => setTimeout(resolve, 500))]);
  } catch {
    // already closed
  }
  redis.disconnect();
}
