/**
 * torch.save's zip format (torch ≥ 1.6, `torch/serialization.py` _save / _load): an uncompressed zip
 * with `<archive>/data.pkl` (the object, storages as persistent ids) and `<archive>/data/<key>` (each
 * storage's raw little-endian bytes). yauzl reads the central directory only; we take each storage
 * entry's data offset from its local header and read tensors from there on demand.
 */
import type { Entry, ZipFile } from 'yauzl';
import { BufferReader } from 'pickleparser';
import { LoomError } from '@loom/engine';
import { unpickle, type TensorRef } from './restricted-unpickler.ts';
import { stateDictOf } from './state-dict.ts';

/** Where a storage's bytes sit in the file. */
export interface StorageSpan {
  readonly start: number;
  readonly length: number;
}

/** The state dict of a zip checkpoint and the file span of each storage. */
export interface TorchContents {
  readonly tensors: Map<string, TensorRef>;
  readonly storages: Map<string, StorageSpan>;
}

/** Largest data.pkl accepted: it holds only names and tensor metadata (SD1.5's is ~100 kB). */
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

/** Reads the zip directory and data.pkl of `path`. */
export async function readTorchZip(path: string): Promise<TorchContents> {
  // Imported on first use, as lazy-require.ts explains: most users' checkpoints are safetensors.
  const { default: yauzl } = await import('yauzl');
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true }).catch((err: unknown) => {
    throw new LoomError(
      'BAD_FILE',
      `${path}: not a readable zip checkpoint (${(err as Error).message}); the file is truncated or damaged. Download it again.`,
      { cause: err },
    );
  });
  try {
    const entries = await listEntries(zip);
    const pkl = [...entries.keys()].find((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
    if (!pkl) throw new LoomError('BAD_FILE', `${path}: a zip file without data.pkl is not a PyTorch checkpoint.`);
    const prefix = pkl.slice(0, -'data.pkl'.length);
    const pickleBytes = await readEntry(zip, entries.get(pkl)!, path);
    const tensors = stateDictOf(unpickle(new BufferReader(pickleBytes), path), path);
    const storages = new Map<string, StorageSpan>();
    for (const t of tensors.values()) {
      const key = t.storage.key;
      if (storages.has(key)) continue;
      const entry = entries.get(`${prefix}data/${key}`);
      if (!entry) throw new LoomError('BAD_FILE', `${path}: storage ${key} is missing from the archive (damaged file).`);
      if (entry.compressionMethod !== 0)
        throw new LoomError(
          'BAD_FILE',
          `${path}: storage ${key} is compressed; torch.save never compresses, so the file was re-zipped. Re-save it with torch.save.`,
        );
      const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
      storages.set(key, { start: fileDataStart, length: entry.uncompressedSize });
    }
    return { tensors, storages };
  } finally {
    zip.close();
  }
}

async function listEntries(zip: ZipFile): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: Entry) => {
      entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}

async function readEntry(zip: ZipFile, entry: Entry, path: string): Promise<Uint8Array> {
  if (entry.uncompressedSize > MAX_PICKLE_BYTES)
    throw new LoomError('BAD_FILE', `${path}: data.pkl is ${entry.uncompressedSize} bytes, too large for a state dict.`);
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}
