/** The real `loom-server` entry point with the scale-out test host (stub nodes instead of the SD pack). */
import { startServer } from '../../../packages/server/src/start/start-server.ts';
import { stubHost } from './stub-host.ts';

await startServer(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l), createHost: stubHost });
