/**
 * Time spent inside onnxruntime, separated from a loop's own work. On a shared machine a whole
 * sampling run's wall time drifts by more than the 3% overhead goal, but the time a loop spends
 * outside `session.run` (tensor building, guidance, scheduler math, engine bookkeeping) is small and
 * stable; comparing two loops with the onnxruntime time set equal isolates exactly that overhead.
 */
import type * as ort from 'onnxruntime-node';
import { median } from '../lib/report.ts';

export interface RunClock {
  /** Milliseconds spent inside `session.run` since the last reset. */
  insideMs(): number;
  reset(): void;
}

/** Wraps `session.run` (for every caller of this session object) to add up its wall time. */
export function clockRuns(session: ort.InferenceSession): RunClock {
  const original = session.run.bind(session);
  let inside = 0;
  // The overloads of `run` cannot be restated for a wrapper; arguments pass through unchanged.
  (session as { run: (...args: unknown[]) => Promise<unknown> }).run = async (...args: unknown[]) => {
    const t0 = performance.now();
    try {
      return await (original as (...a: unknown[]) => Promise<unknown>)(...args);
    } finally {
      inside += performance.now() - t0;
    }
  };
  return { insideMs: () => inside, reset: () => void (inside = 0) };
}

/** One timed run of a loop: wall time and the part spent inside onnxruntime. */
export interface LoopSample {
  totalMs: number;
  insideMs: number;
}

/** Times `loop` and splits its wall time with the clock. */
export async function sampleLoop(clock: RunClock, loop: () => Promise<number>): Promise<LoopSample> {
  clock.reset();
  const totalMs = await loop();
  return { totalMs, insideMs: clock.insideMs() };
}

/**
 * Overhead ratio of loop A over loop B with the onnxruntime time equalized: (T + Oa) / (T + Ob), where
 * T is the median time inside onnxruntime over all samples and O each loop's median time outside it.
 */
export function equalizedRatio(a: LoopSample[], b: LoopSample[]): { ratio: number; insideMs: number; outsideA: number; outsideB: number } {
  const insideMs = median([...a, ...b].map((s) => s.insideMs));
  const outsideA = median(a.map((s) => s.totalMs - s.insideMs));
  const outsideB = median(b.map((s) => s.totalMs - s.insideMs));
  return { ratio: (insideMs + outsideA) / (insideMs + outsideB), insideMs, outsideA, outsideB };
}
