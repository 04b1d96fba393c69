/**
 * Timing UNet steps: one classifier-free-guidance call (batch 2) with fixed random inputs. The first
 * call of a session is reported apart from the steady state: it pays for arena growth, memory-pattern
 * tracing and, for sessions opened from the optimized-model cache, paging the memory-mapped weights in.
 */
import * as ort from 'onnxruntime-node';
import { median } from '../lib/report.ts';
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

export interface StepTiming {
  /** The first call, in seconds. */
  first: number;
  /** Median of the later calls, in seconds. */
  steady: number;
  /** Median with a pre-made output tensor passed as `fetches` (when asked for), in seconds. */
  bound?: number;
  /** Resident set size after the calls, GiB. */
  rssGiB: number;
}

/**
 * Runs one untimed-for-the-median first call, then `runs` timed calls. With `bound`, each timed call is
 * paired with one that writes into a pre-allocated `out_sample`, alternating which goes first, so the
 * comparison shares the machine's noise.
 */
export async function timeSteps(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, runs: number, bound = false): Promise<StepTiming> {
  const t0 = performance.now();
  const first = await session.run(feeds);
  const firstSeconds = (performance.now() - t0) / 1000;
  const template = first.out_sample as ort.Tensor;
  const output = new ort.Tensor('float32', new Float32Array(template.size), template.dims);
  const plain: number[] = [];
  const prebound: number[] = [];
  const timed = async (fetches?: Record<string, ort.Tensor>): Promise<number> => {
    const start = performance.now();
    await (fetches ? session.run(feeds, fetches) : session.run(feeds));
    return (performance.now() - start) / 1000;
  };
  for (let i = 0; i < runs; i++) {
    if (bound && i % 2) prebound.push(await timed({ out_sample: output }));
    plain.push(await timed());
    if (bound && !(i % 2)) prebound.push(await timed({ out_sample: output }));
  }
  return {
    first: firstSeconds,
    steady: median(plain),
    ...(bound && { bound: median(prebound) }),
    rssGiB: process.memoryUsage().rss / 1024 ** 3,
  };
}
