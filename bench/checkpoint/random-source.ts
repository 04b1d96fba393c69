/**
 * An in-memory {@link WeightSource} of seeded uniform weights for given names and shapes: op-choice
 * benches build real-size blocks without any file.
 */
import type { WeightSource } from '../../packages/nodes/src/weights/weight-source.ts';
import { uniform } from '../throughput/matmul-peak.ts';

/** A source whose tensor `name` has `shapes[name]` and values uniform in ±0.05 (seeded by position). */
export function randomSource(shapes: Record<string, number[]>): WeightSource {
  const names = Object.keys(shapes);
  return {
    origin: 'random weights',
    names: () => names,
    info: (name) => (shapes[name] ? { name, dtype: 'F32', shape: shapes[name] } : undefined),
    readFloat32: async (name) =>
      uniform(
        shapes[name]!.reduce((a, b) => a * b, 1),
        names.indexOf(name) + 1,
      ).map((v) => v / 10),
    readBytes: async () => {
      throw new Error('random weights have no stored bytes');
    },
    close: async () => {},
  };
}
