/** The check that every weight of a component is a float tensor, done when a model is opened. */
import { LoomError } from '@loom/engine';
import type { WeightSource } from './weight-source.ts';

const FLOATS = new Set(['F32', 'F16', 'BF16', 'F64']);

/**
 * Throws BAD_FILE naming the first non-float tensor of `source` (transformers' int64 `position_ids`
 * buffer excepted) among those `include` selects, so a damaged or quantized file fails before a long
 * build, not in the middle of it.
 */
export function checkFloatWeights(source: WeightSource, include: (name: string) => boolean = () => true): void {
  for (const name of source.names().filter(include)) {
    const { dtype } = source.info(name)!;
    if (!FLOATS.has(dtype) && !name.endsWith('position_ids')) {
      throw new LoomError(
        'BAD_FILE',
        `${source.origin}: tensor "${name}" is stored as ${dtype}, but a weight must be F32, F16, BF16 or F64. The file is damaged, or quantized in a format Loom does not read.`,
      );
    }
  }
}
