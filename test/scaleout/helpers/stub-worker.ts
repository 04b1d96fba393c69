/** The real `loom-worker` entry point; its engine thread builds the scale-out test host (stub nodes). */
import { startWorker } from '../../../packages/server/src/worker/start-worker.ts';

await startWorker(process.argv.slice(2), {
  hostModule: new URL('./stub-host.ts', import.meta.url).href,
  hostExport: 'stubHost',
  out: (l) => console.log(l),
  err: (l) => console.error(l),
});
