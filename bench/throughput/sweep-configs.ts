/**
 * The session-option sweep of the throughput bench: each configuration changes one thing from Loom's
 * defaults (`sessionOptions` in packages/nodes/src/runtime/session.ts), so each ratio isolates one option.
 * Sessions are opened through the optimized-model cache: a configuration that keeps the optimization
 * level reuses the optimized graph (seconds instead of a ~40 s optimization); runtime options such as
 * threads, arena and memory patterns are not part of the cached graph.
 */
import type * as ort from 'onnxruntime-node';
import { sessionOptions } from '../../packages/nodes/src/runtime/session.ts';

export type Level = 'basic' | 'extended' | 'all';

export interface SweepConfig {
  name: string;
  options: ort.InferenceSession.SessionOptions;
  /** Create from the original model without the cache (a cold-optimized session), to compare with warm ones. */
  uncached?: boolean;
}

/** Loom's CPU defaults with 2 intra-op threads (this machine's core count) and the given changes. */
export function withDefaults(changes: ort.InferenceSession.SessionOptions = {}): ort.InferenceSession.SessionOptions {
  return { ...sessionOptions('cpu', 2), ...changes };
}

export const DEFAULT_CONFIG: SweepConfig = { name: 'Loom defaults', options: withDefaults() };

export const SWEEP: readonly SweepConfig[] = [
  { name: 'intraOpNumThreads 1', options: withDefaults({ intraOpNumThreads: 1 }) },
  { name: 'enableCpuMemArena false', options: withDefaults({ enableCpuMemArena: false }) },
  { name: 'enableMemPattern false', options: withDefaults({ enableMemPattern: false }) },
  { name: "executionMode 'parallel'", options: withDefaults({ executionMode: 'parallel' }) },
  // Worker threads spin while waiting for work by default; on a shared machine that burns the cores others need.
  { name: 'intra-op spinning off', options: withDefaults({ extra: { session: { intra_op: { allow_spinning: '0' } } } }) },
  ...(['all', 'extended', 'basic'] as const)
    .filter((level) => level !== DEFAULT_CONFIG.options.graphOptimizationLevel)
    .map((level) => ({ name: `graphOptimizationLevel '${level}'`, options: withDefaults({ graphOptimizationLevel: level }) })),
  { name: 'optimized from the source (no cache)', options: withDefaults(), uncached: true },
];
