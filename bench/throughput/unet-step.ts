/**
 * Timing UNet steps: one classifier-free-guidance call (batch 2) with fixed random inputs.
 *
 * On a shared 2-core machine a step's wall time swings 2–3× within minutes (other processes come and
 * go), so options are never compared across separate time windows: both sessions stay open and their
 * runs interleave A B B A (`abba` in bench/lib/report.ts), and the ratio of medians is what counts. The first call of a
 * session is reported apart: it pays for arena growth, memory-pattern tracing and, for sessions opened
 * from the optimized-model cache, paging the memory-mapped weights in.
 */
import * as ort from 'onnxruntime-node';
import { uniform } from './matmul-peak.ts';

/** SD1.5 UNet feeds for one CFG step: sample [2, 4, h, w], int64 timestep [2], text states [2, 77, dim]. */
export function unetFeeds(session: ort.InferenceSession, latent: number): Record<string, ort.Tensor> {
  const text = session.inputMetadata.find((m) => m.name === 'encoder_hidden_states');
  const dim = text?.isTensor ? text.shape[2] : undefined;
  const textDim = typeof dim === 'number' ? dim : 768;
  return {
    sample: new ort.Tensor('float32', uniform(2 * 4 * latent * latent, 5), [2, 4, latent, latent]),
    timestep: new ort.Tensor('int64', new BigInt64Array([500n, 500n]), [2]),
    encoder_hidden_states: new ort.Tensor('float32', uniform(2 * 77 * textDim, 9), [2, 77, textDim]),
  };
}

/** Seconds of one `session.run`; `fetches` passes pre-allocated outputs. */
export async function timeRun(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, fetches?: Record<string, ort.Tensor>): Promise<number> {
  const t0 = performance.now();
  await (fetches ? session.run(feeds, fetches) : session.run(feeds));
  return (performance.now() - t0) / 1000;
}

/** An output tensor shaped like the session's `out_sample` for these feeds, to pass as `fetches`. */
export function outputLike(feeds: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
  const sample = feeds.sample as ort.Tensor;
  return { out_sample: new ort.Tensor('float32', new Float32Array(sample.size), sample.dims) };
}

/** Resident set size of this process, GiB. */
export function rssGiB(): number {
  return process.memoryUsage().rss / 1024 ** 3;
}
