/**
 * The engine thread of a worker: builds the host (the node pack on this machine's models and device)
 * from the factory its parent names, runs one prompt at a time and reports its events. Its object and
 * output caches live as long as the thread, as in an embedded server.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toLoomError } from '@loom/engine';
import type { Host } from '../host.ts';
import type { FromThread, HostFactory, ToThread } from './thread-protocol.ts';

const port = parentPort;
if (!port) throw new Error('engine-thread-main.ts runs inside a worker thread');
const factory = workerData as HostFactory;
const create = ((await import(factory.module)) as Record<string, unknown>)[factory.export];
if (typeof create !== 'function') throw new Error(`${factory.module} has no function export "${factory.export}"`);
// The factory's contract is createHost's (host.ts); tests pass one with stub nodes.
const host = (create as (config: HostFactory['config']) => Host)(factory.config);
const runs = new Map<string, AbortController>();
const post = (message: FromThread): void => port.postMessage(message);

async function run(promptId: string, message: Extract<ToThread, { type: 'run' }>): Promise<void> {
  const controller = new AbortController();
  runs.set(promptId, controller);
  const before = host.engine.objects.stats().createMs;
  const stats = (): { cacheEntries: number; createMs: number } => {
    const now = host.engine.objects.stats();
    return { cacheEntries: now.entries, createMs: now.createMs - before };
  };
  try {
    await host.engine.run(message.graph, {
      runId: promptId,
      signal: controller.signal,
      targets: message.targets,
      onEvent: (event) => post({ type: 'event', promptId, event }),
    });
    post({ type: 'done', promptId, ...stats() });
  } catch (err) {
    post({ type: 'done', promptId, error: toLoomError(err, 'NODE_FAILED').toJSON(), ...stats() });
  } finally {
    runs.delete(promptId);
  }
}

port.on('message', (message: ToThread) => {
  if (message.type === 'run') void run(message.promptId, message);
  else if (message.type === 'abort') runs.get(message.promptId)?.abort();
  else
    void (async () => {
      await host.engine.objects.clear();
      if (message.freeMemory) host.engine.outputCache.clear();
      post({ type: 'freed', cacheEntries: host.engine.objects.stats().entries });
    })();
});
post({ type: 'ready', config: host.config });
