/**
 * One model load in a fresh process, the way an app start sees it: `node --import tsx load-once.ts
 * <model> [cacheDir]` opens the model with Loom's `openSession` (2 threads, through the optimized-model
 * cache when a folder is given), makes one small UNet call (8×8 latent, which still touches every
 * weight), and prints one JSON line: load and first-call seconds, how the session was made, RSS, and a
 * hash of the output so cold and warm sessions can be checked for identical results.
 */
import { createHash } from 'node:crypto';
import { openSession } from '../../packages/nodes/src/runtime/session.ts';
import { unetFeeds } from '../throughput/unet-step.ts';

export interface LoadSample {
  origin: string;
  loadSeconds: number;
  firstCallSeconds: number;
  rssGiB: number;
  outputSha256: string;
}

const [model, cacheDir] = process.argv.slice(2);
if (!model) throw new Error('usage: load-once.ts <model.onnx> [cacheDir]');
const t0 = performance.now();
const loaded = await openSession(model, { device: 'cpu', threads: 2, cacheDir }, { warn: (m) => console.error(m) });
const loadSeconds = (performance.now() - t0) / 1000;
const t1 = performance.now();
const out = (await loaded.session.run(unetFeeds(loaded.session, 8))).out_sample!.data as Float32Array;
const firstCallSeconds = (performance.now() - t1) / 1000;
const sample: LoadSample = {
  origin: loaded.origin,
  loadSeconds,
  firstCallSeconds,
  rssGiB: process.memoryUsage().rss / 1024 ** 3,
  outputSha256: createHash('sha256').update(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)).digest('hex'),
};
console.log(JSON.stringify(sample));
await loaded.session.release();
