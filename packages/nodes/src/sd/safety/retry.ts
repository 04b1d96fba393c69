/**
 * The retry loop behind SafetyRetry, independent of the engine: attempt k (0-based) is the upstream
 * batch generated with seed `seed + k·stride` (wrapping past `maxSeed`), evaluated at most once and
 * shared by every image of the batch that still needs a good version. An image passes when the
 * checker does not flag it and it is not entirely black; the first passing attempt is kept. Images
 * that never pass get the all-fail policy: keep the checker's black output, blur the last attempt,
 * or fail.
 */
import { LoomError } from '@loom/engine';
import type { ImageBatch, Provenance } from '../../ports.ts';

export type AllFailPolicy = 'keep' | 'blur' | 'fail';

export interface SafetyAttempt {
  /** Index of the image in the batch. */
  image: number;
  /** 1-based attempt number. */
  attempt: number;
  seed: number;
  /** The prompt seed bound for this attempt, when the node advances one. */
  promptSeed?: number;
  flagged: boolean;
  black: boolean;
  reason: 'ok' | 'flagged' | 'black';
  /** The prompt that attempt used (it changes when the prompt library re-picks). */
  prompt?: string;
}

export interface SafetyReport {
  policy: AllFailPolicy;
  attempts: SafetyAttempt[];
  /** Per image: passed on some attempt, or what the policy did. */
  outcome: ('passed' | 'kept-black' | 'blurred')[];
}

/** Provenance plus the safety report (IMAGE meta is open: extra fields travel with the image). */
export interface SafetyProvenance extends Provenance {
  safety: SafetyReport;
}

export interface RetryOptions {
  maxAttempts: number;
  seedFor: (attempt: number) => number;
  promptSeedFor?: (attempt: number) => number;
  policy: AllFailPolicy;
  evaluate: (attempt: number) => Promise<ImageBatch>;
  check: (batch: ImageBatch, index: number) => Promise<{ flagged: boolean; black: boolean; out: Float32Array }>;
  blur: (batch: ImageBatch, index: number) => Promise<Float32Array>;
  onAttempt?: (attempt: SafetyAttempt) => void;
}

export interface RetryResult {
  images: ImageBatch;
  report: SafetyReport;
  /** The seed of the kept version of each image. */
  seeds: number[];
  /** How many upstream evaluations ran. */
  evaluations: number;
}

export async function retryUntilSafe(options: RetryOptions): Promise<RetryResult> {
  const attempts: SafetyAttempt[] = [];
  const first = await options.evaluate(0);
  const [batch, height, width] = first.shape;
  const size = height * width * 3;
  const pixels = new Float32Array(batch * size);
  const outcome: SafetyReport['outcome'] = [];
  const seeds: number[] = [];
  const pending = new Set(Array.from({ length: batch }, (_, i) => i));
  let last = first;
  let lastOut = new Map<number, Float32Array>();
  let evaluations = 1;
  for (let k = 0; k < options.maxAttempts && pending.size > 0; k++) {
    const current = k === 0 ? first : await options.evaluate(k);
    if (k > 0) evaluations++;
    if (current.shape[0] !== batch || current.shape[1] !== height || current.shape[2] !== width) {
      throw new LoomError(
        'NODE_FAILED',
        `Attempt ${k + 1} produced a ${current.shape.join('×')} batch, the first ${first.shape.join('×')}; the upstream must not change size between seeds.`,
      );
    }
    last = current;
    lastOut = new Map();
    for (const i of [...pending]) {
      const verdict = await options.check(current, i);
      const reason = verdict.flagged ? 'flagged' : verdict.black ? 'black' : 'ok';
      const record: SafetyAttempt = {
        image: i,
        attempt: k + 1,
        seed: options.seedFor(k),
        ...(options.promptSeedFor && { promptSeed: options.promptSeedFor(k) }),
        flagged: verdict.flagged,
        black: verdict.black,
        reason,
        ...(current.meta.prompt !== undefined && { prompt: current.meta.prompt }),
      };
      attempts.push(record);
      options.onAttempt?.(record);
      lastOut.set(i, verdict.out);
      if (reason === 'ok') {
        pixels.set(current.pixels.subarray(i * size, (i + 1) * size), i * size);
        outcome[i] = 'passed';
        seeds[i] = record.seed;
        pending.delete(i);
      }
    }
  }
  for (const i of pending) {
    const tried = attempts.filter((a) => a.image === i).map((a) => `seed ${a.seed}: ${a.reason}`);
    if (options.policy === 'fail') {
      throw new LoomError(
        'NODE_FAILED',
        `Image ${i} failed the safety check in all ${options.maxAttempts} attempts (${tried.join('; ')}). Raise maxAttempts, change the prompt, or choose the keep/blur policy.`,
      );
    }
    pixels.set(options.policy === 'blur' ? await options.blur(last, i) : (lastOut.get(i) as Float32Array), i * size);
    outcome[i] = options.policy === 'blur' ? 'blurred' : 'kept-black';
    seeds[i] = options.seedFor(options.maxAttempts - 1);
  }
  const report: SafetyReport = { policy: options.policy, attempts, outcome };
  const meta: SafetyProvenance = { ...last.meta, ...(batch === 1 && seeds[0] !== undefined && { seed: seeds[0] }), safety: report };
  if (batch === 1) {
    const kept = attempts.find((a) => a.reason === 'ok');
    if (kept?.prompt !== undefined) meta.prompt = kept.prompt;
  }
  return { images: { kind: 'image', pixels, shape: [batch, height, width, 3], meta }, report, seeds, evaluations };
}
