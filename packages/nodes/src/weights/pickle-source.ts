/**
 * {@link WeightSource} over a PyTorch pickle checkpoint (`.ckpt`, `.pt`, `.pth`, `.bin`), zip or
 * legacy format. Only the pickles are parsed up front (by the restricted unpickler); each tensor's
 * bytes are read from its storage's offset when asked for.
 */
import { open } from 'node:fs/promises';
import { LoomError } from '@loom/engine';
import { readTorchLegacy } from './pickle/torch-legacy.ts';
import { readTorchZip, type TorchContents } from './pickle/torch-zip.ts';
import { DTYPE_BYTES, bytesToFloat32, numel, readExact } from './tensor-data.ts';
import type { WeightInfo, WeightSource } from './weight-source.ts';

/** Opens a pickle checkpoint; hostile, truncated or foreign files are BAD_FILE naming `path`. */
export async function openPickleSource(path: string): Promise<WeightSource> {
  const handle = await open(path, 'r').catch((err: unknown) => {
    throw new LoomError('MODEL_NOT_FOUND', `${path} does not exist.`, { cause: err });
  });
  try {
    const head = await readExact(handle, 0, Math.min(512, (await handle.stat()).size), path, 'its header');
    const contents = await readContents(path, head);
    return pickleSource(path, handle, contents);
  } catch (err) {
    await handle.close();
    throw err;
  }
}

async function readContents(path: string, head: Uint8Array): Promise<TorchContents> {
  if (head[0] === 0x50 && head[1] === 0x4b) return readTorchZip(path); // "PK": zip
  if (new TextDecoder().decode(head.subarray(257, 262)) === 'ustar') {
    throw new LoomError(
      'BAD_FILE',
      `${path}: a PyTorch tar checkpoint (torch < 0.4). Loom does not read this format; load and re-save it with a current torch, or convert it to .safetensors.`,
    );
  }
  if (head[0] === 0x80) return readTorchLegacy(path); // pickle PROTO opcode
  throw new LoomError(
    'BAD_FILE',
    `${path}: neither a zip nor a pickle PyTorch checkpoint (starts with bytes ${[...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}).`,
  );
}

function pickleSource(path: string, handle: import('node:fs/promises').FileHandle, contents: TorchContents): WeightSource {
  const infos = new Map<string, WeightInfo>();
  for (const [name, t] of contents.tensors) infos.set(name, { name, dtype: t.storage.dtype, shape: t.shape });
  const readBytes = async (name: string): Promise<Uint8Array> => {
    const t = contents.tensors.get(name);
    if (!t) throw new LoomError('BAD_FILE', `${path}: no tensor named "${name}".`);
    const span = contents.storages.get(t.storage.key)!;
    const size = DTYPE_BYTES[t.storage.dtype];
    // a view (transpose, slice) covers elements offset … offset + Σ (dim − 1)·stride of its storage
    const reach = numel(t.shape) === 0 ? 0 : 1 + t.shape.reduce((n, d, i) => n + (d - 1) * t.stride[i]!, 0);
    if ((t.offset + reach) * size > span.length) throw new LoomError('BAD_FILE', `${path}: tensor "${name}" runs past the end of its storage (damaged file).`);
    const bytes = await readExact(handle, span.start + t.offset * size, reach * size, path, `tensor "${name}"`);
    return isContiguous(t.shape, t.stride) ? bytes : gather(bytes, t.shape, t.stride, size);
  };
  return {
    origin: path,
    names: () => [...infos.keys()],
    info: (name) => infos.get(name),
    readBytes,
    readFloat32: async (name) => bytesToFloat32(await readBytes(name), infos.get(name)!, path),
    close: () => handle.close(),
  };
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

/** Copies a strided view's elements into C order (torch's `.contiguous()`). */
function gather(src: Uint8Array, shape: readonly number[], stride: readonly number[], size: number): Uint8Array {
  const out = new Uint8Array(numel(shape) * size);
  const index = shape.map(() => 0);
  for (let n = 0; n < out.length / size; n++) {
    const at = index.reduce((sum, v, i) => sum + v * stride[i]!, 0) * size;
    out.set(src.subarray(at, at + size), n * size);
    for (let d = shape.length - 1; d >= 0 && ++index[d]! === shape[d]; d--) index[d] = 0;
  }
  return out;
}
