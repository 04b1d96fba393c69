// The engine thread's entry: a worker thread is a fresh isolate, so it registers tsx for itself.
import { register } from 'tsx/esm/api';

register();
await import('./engine-thread-main.ts');
