/**
 * torch.save's legacy format (before 1.6, or `_use_new_zipfile_serialization=False`;
 * `torch/serialization.py` _legacy_save / _legacy_load): five pickles in a row (magic number,
 * protocol version 1001, sys info, the object, the list of storage keys), then each storage in that
 * order as an int64 element count followed by its raw bytes. A plain pickle without the magic
 * number is read the same way up to the object.
 */
import { open } from 'node:fs/promises';
import { BufferReader } from 'pickleparser';
import { LoomError } from '@loom/engine';
import { DTYPE_BYTES, readExact } from '../tensor-data.ts';
import { unpickle, type StorageRef } from './restricted-unpickler.ts';
import { stateDictOf } from './state-dict.ts';
import type { StorageSpan, TorchContents } from './torch-zip.ts';

/**
 * The first pickle of every legacy file: PROTO n, LONG1 of 10 bytes holding torch's MAGIC_NUMBER
 * 0x1950a86a20f9469cfc6c little-endian, STOP. Matched as bytes: pickleparser's LONG1 stops at 64 bits.
 */
const MAGIC_PICKLE = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
// the object pickle of an SD checkpoint is well under a megabyte; 8 MB avoids re-reads for big state dicts
const FIRST_READ = 8 << 20;

/** Reads the pickles of a legacy checkpoint and locates its storages. */
export async function readTorchLegacy(path: string): Promise<TorchContents> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    // The pickles come first and are small; read a prefix and grow it until they all parse.
    for (let length = Math.min(size, FIRST_READ); ; length = Math.min(size, length * 4)) {
      const prefix = await readExact(handle, 0, length, path, 'its header');
      const parsed = tryParse(prefix, path, length === size);
      if (parsed) {
        const storages = await locateStorages(handle, parsed.keys, parsed.refs, parsed.end, path);
        return { tensors: parsed.tensors, storages };
      }
    }
  } finally {
    await handle.close();
  }
}

function tryParse(prefix: Uint8Array, path: string, whole: boolean) {
  const reader = new BufferReader(prefix);
  try {
    if (!MAGIC_PICKLE.every((b, i) => prefix[i + 2] === b)) {
      unpickle(reader, path); // a plain pickle: parsing it still refuses hostile globals by name
      throw new LoomError('BAD_FILE', `${path}: a plain pickle, not a PyTorch checkpoint (no torch.save header).`);
    }
    reader.skip(2 + MAGIC_PICKLE.length);
    const protocol = unpickle(reader, path);
    if (protocol !== 1001) throw new LoomError('BAD_FILE', `${path}: unsupported torch.save protocol ${String(protocol)}.`);
    unpickle(reader, path); // sys_info: endianness and type sizes, little-endian on every platform torch saves from
    const tensors = stateDictOf(unpickle(reader, path), path);
    const keys = unpickle(reader, path);
    if (!Array.isArray(keys)) throw new LoomError('BAD_FILE', `${path}: the storage key list is missing.`);
    const refs = new Map<string, StorageRef>();
    for (const t of tensors.values()) refs.set(t.storage.key, t.storage);
    return { tensors, keys: keys.map(String), refs, end: reader.position };
  } catch (err) {
    if (err instanceof LoomError) throw err;
    if (!whole) return undefined; // ran past the prefix: read more
    throw new LoomError('BAD_FILE', `${path}: not a readable PyTorch checkpoint (${(err as Error).message}); the file is truncated or damaged.`, {
      cause: err,
    });
  }
}

async function locateStorages(
  handle: import('node:fs/promises').FileHandle,
  keys: string[],
  refs: Map<string, StorageRef>,
  start: number,
  path: string,
): Promise<Map<string, StorageSpan>> {
  const spans = new Map<string, StorageSpan>();
  let at = start;
  for (const key of keys) {
    const head = await readExact(handle, at, 8, path, `storage ${key}`);
    const count = Number(new DataView(head.buffer).getBigInt64(0, true));
    const ref = refs.get(key);
    // storages no tensor of the state dict uses (optimizer state, …) still take their place in the file
    const elementBytes = ref ? DTYPE_BYTES[ref.dtype] : undefined;
    if (elementBytes === undefined) throw new LoomError('BAD_FILE', `${path}: storage ${key} is not used by any tensor; cannot tell its size.`);
    spans.set(key, { start: at + 8, length: count * elementBytes });
    at += 8 + count * elementBytes;
  }
  const { size } = await handle.stat();
  if (at > size) throw new LoomError('BAD_FILE', `${path}: the file ends ${at - size} bytes early (truncated download?). Download it again.`);
  return spans;
}
