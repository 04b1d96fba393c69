/**
 * {@link WeightSource} over one `.safetensors` file: the existing lazy reader (header only, then one
 * tensor's byte range per read), its errors turned into BAD_FILE LoomErrors that name the file.
 */
import { LoomError } from '@loom/engine';
import { SafetensorsFile } from '../safetensors/safetensors-file.ts';
import { bytesToFloat32 } from './tensor-data.ts';
import type { WeightDtype, WeightInfo, WeightSource } from './weight-source.ts';

const READABLE = new Set<string>(['F32', 'F16', 'BF16', 'F64', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL']);

/** Opens `path`; a bad or truncated header is BAD_FILE. */
export async function openSafetensorsSource(path: string): Promise<WeightSource> {
  const file = await SafetensorsFile.open(path).catch((err: unknown) => {
    throw asLoomError(err, path);
  });
  const infos = new Map<string, WeightInfo>();
  for (const name of file.names()) {
    const t = file.info(name)!;
    // U16/U32/U64 and the 8-bit float formats are listed but never weights Loom reads as floats
    const dtype = (READABLE.has(t.dtype) ? t.dtype : 'U8') as WeightDtype;
    infos.set(name, { name, dtype, shape: t.shape });
  }
  return {
    origin: path,
    names: () => [...infos.keys()],
    info: (name) => infos.get(name),
    readBytes: (name) =>
      file.readBytes(name).catch((err: unknown) => {
        throw asLoomError(err, path);
      }),
    readFloat32: async (name) => {
      const info = infos.get(name);
      if (!info) throw new LoomError('BAD_FILE', `${path}: no tensor named "${name}".`);
      const stored = file.info(name)!.dtype;
      if (!READABLE.has(stored))
        throw new LoomError('BAD_FILE', `${path}: tensor "${name}" is stored as ${stored}, but a weight must be F32, F16, BF16 or F64.`);
      return bytesToFloat32(
        await file.readBytes(name).catch((err: unknown) => {
          throw asLoomError(err, path);
        }),
        info,
        path,
      );
    },
    close: () => file.close(),
  };
}

function asLoomError(err: unknown, path: string): unknown {
  // The safetensors reader's own findings (truncation, a missing tensor) are BAD_FILE errors.
  if (err instanceof LoomError && err.code === 'BAD_FILE')
    return new LoomError('BAD_FILE', `${err.message}. Download the file again; it is damaged or not a safetensors file.`, { cause: err });
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new LoomError('MODEL_NOT_FOUND', `${path} does not exist.`, { cause: err });
  return err;
}
