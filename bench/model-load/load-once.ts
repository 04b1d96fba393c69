/**
 * One model load in a fresh process, the way an app start sees it:
 * `node --import tsx load-once.ts <model> default|all|cached|cached-all [cacheDir]`
 *   default    — Loom's `openSession` on the CPU (2 threads): its own level (`extended`), no cache;
 *   all        — the same options at level `all` (Loom's CPU default before the sweep), optimized at load;
 *   cached     — Loom's `openSession` with the cache folder `cacheDir`: its own level through the
 *                optimized-model cache (cold the first time, then warm), as the host loads;
 *   cached-all — level `all` through the optimized-model cache in `cacheDir`.
 * It then makes one small UNet call (8×8 latent, which still touches every weight) and prints one JSON
 * line: load and first-call seconds, how the session was made, RSS, and a hash of the output so cold
 * and warm sessions can be checked for identical results.
 */
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { modelFingerprint, openSession, sessionOptions } from '../../packages/nodes/src/runtime/session.ts';
import { createWithOptimizedCache } from '../../packages/nodes/src/runtime/optimized-model-cache.ts';
import { unetFeeds } from '../throughput/unet-step.ts';

export interface LoadSample {
  origin: string;
  loadSeconds: number;
  firstCallSeconds: number;
  rssGiB: number;
  outputSha256: string;
}

const [model, mode, cacheDir] = process.argv.slice(2);
if (!model || !['default', 'all', 'cached', 'cached-all'].includes(mode ?? '') || (mode?.startsWith('cached') && !cacheDir)) {
  throw new Error('usage: load-once.ts <model.onnx> default|all|cached|cached-all [cacheDir]');
}
const log = { warn: (m: string) => console.error(m), info: () => {} };
const levelAll = { ...sessionOptions('cpu', 2), graphOptimizationLevel: 'all' } as const;
const t0 = performance.now();
const loaded =
  mode === 'default' || mode === 'cached'
    ? await openSession(model, { device: 'cpu', threads: 2, cacheDir: mode === 'cached' ? cacheDir : undefined }, log)
    : mode === 'all'
      ? { session: await ort.InferenceSession.create(model, levelAll), origin: 'direct' }
      : await createWithOptimizedCache(
          { cacheDir: cacheDir as string, source: model, fingerprint: (await modelFingerprint(model)).key, device: 'cpu', options: levelAll },
          log,
        );
const loadSeconds = (performance.now() - t0) / 1000;
const t1 = performance.now();
const out = (await loaded.session.run(unetFeeds(loaded.session, 8))).out_sample!.data as Float32Array;
const firstCallSeconds = (performance.now() - t1) / 1000;
const sample: LoadSample = {
  origin: loaded.origin,
  loadSeconds,
  firstCallSeconds,
  rssGiB: process.memoryUsage().rss / 1024 ** 3,
  outputSha256: createHash('sha256')
    .update(new Uint8Array(out.buffer, out.byteOffset, out.byteLength))
    .digest('hex'),
};
console.log(JSON.stringify(sample));
await loaded.session.release();
