/**
 * One UNet load in a fresh process with Loom's CPU session options:
 * `node --import tsx open-once.ts <model.onnx>` opens it, makes one small call (8×8 latent, which
 * still touches every weight) and prints one JSON line: load and first-call seconds, peak RSS.
 */
import * as ort from 'onnxruntime-node';
import { sessionOptions } from '../../packages/nodes/src/runtime/session.ts';
import { stepFeeds } from './step-feeds.ts';

export interface OpenSample {
  loadSeconds: number;
  firstCallSeconds: number;
  peakRssGiB: number;
}

const [model] = process.argv.slice(2);
if (!model) throw new Error('usage: open-once.ts <model.onnx>');
const t0 = performance.now();
const session = await ort.InferenceSession.create(model, sessionOptions('cpu', 2));
const loadSeconds = (performance.now() - t0) / 1000;
const t1 = performance.now();
await session.run(stepFeeds(session, 8));
const sample: OpenSample = { loadSeconds, firstCallSeconds: (performance.now() - t1) / 1000, peakRssGiB: (process.resourceUsage().maxRSS * 1024) / 1024 ** 3 };
console.log(JSON.stringify(sample));
await session.release();
