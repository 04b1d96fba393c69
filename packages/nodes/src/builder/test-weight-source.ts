/**
 * Test helper: a {@link WeightSource} over one safetensors file whose names are already diffusers
 * module paths (the builder fixtures in test/fixtures/builder). The product's readers, with layout
 * conversion and pickles, live in the weights/ modules; the builder only needs this seam.
 */
import { SafetensorsFile } from '../safetensors/safetensors-file.ts';
import type { WeightDtype, WeightSource } from '../weights/weight-source.ts';

/** Opens `path` as a WeightSource. */
export async function safetensorsSource(path: string): Promise<WeightSource> {
  const file = await SafetensorsFile.open(path);
  return {
    origin: path,
    names: () => file.names(),
    info: (name) => {
      const i = file.info(name);
      return i && { name, dtype: i.dtype as WeightDtype, shape: i.shape };
    },
    readFloat32: (name) => file.readFloat32(name),
    readBytes: (name) => file.readBytes(name),
    close: () => file.close(),
  };
}
