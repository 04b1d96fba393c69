/** The real `loom-worker` entry point with the scale-out test host (stub nodes instead of the SD pack). */
import { startWorker } from '../../../packages/server/src/worker/start-worker.ts';
import { stubHost } from './stub-host.ts';

await startWorker(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l), createHost: stubHost });
