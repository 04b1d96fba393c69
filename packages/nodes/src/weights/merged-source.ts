/** One {@link WeightSource} over several (sharded weights: `model-00001-of-00002.safetensors`, …). */
import { LoomError } from '@loom/engine';
import type { WeightSource } from './weight-source.ts';

/** Exposes every tensor of `parts`; a name present twice is BAD_FILE. */
export function mergedSource(parts: readonly WeightSource[], origin: string): WeightSource {
  const owner = new Map<string, WeightSource>();
  for (const part of parts) {
    for (const name of part.names()) {
      if (owner.has(name)) throw new LoomError('BAD_FILE', `${origin}: tensor "${name}" is in both ${owner.get(name)!.origin} and ${part.origin}.`);
      owner.set(name, part);
    }
  }
  const of = (name: string): WeightSource => {
    const part = owner.get(name);
    if (!part) throw new LoomError('BAD_FILE', `${origin}: no tensor named "${name}".`);
    return part;
  };
  return {
    origin,
    names: () => [...owner.keys()],
    info: (name) => owner.get(name)?.info(name),
    readBytes: (name) => of(name).readBytes(name),
    readFloat32: (name) => of(name).readFloat32(name),
    close: async () => {
      await Promise.all(parts.map((p) => p.close()));
    },
  };
}
