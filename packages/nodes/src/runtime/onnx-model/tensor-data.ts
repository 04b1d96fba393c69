/**
 * Reading the values of FLOAT / FLOAT16 initializers as float32, inline or in external files.
 *
 * External data (onnx `external_data_helper.py`, IR.md "External tensor data"): `data_location =
 * EXTERNAL` and `external_data` entries `location` (path relative to the model's folder), `offset`
 * and `length`. torch wrote one file per tensor (`onnx__MatMul_6843`), the diffusers script one
 * `weights.pb`, Optimum `model.onnx_data`. Only the requested byte range is read.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { isAbsolute, normalize, resolve, sep } from 'node:path';
import { halfToFloat32 } from '../../safetensors/float-convert.ts';
import { DATA_LOCATION_EXTERNAL, DataType, int64, type TensorProto } from './onnx-schema.ts';
import { LoomError } from '@loom/engine';

/** Where an external tensor's bytes are. */
export interface ExternalLocation {
  readonly file: string;
  readonly offset: number;
  readonly length?: number;
}

/** Number of elements of a tensor. */
function tensorSize(t: TensorProto): number {
  return t.dims.reduce<number>((n, d) => n * int64(d), 1);
}

/** Bytes per element of the float types this package reads weights of. */
function elementBytes(t: TensorProto): 2 | 4 {
  if (t.dataType === DataType.FLOAT) return 4;
  if (t.dataType === DataType.FLOAT16) return 2;
  throw new LoomError('UNSUPPORTED_MODEL', `initializer "${t.name}" has data type ${t.dataType}; only FLOAT (1) and FLOAT16 (10) can be read as float32`);
}

/** The external location of `t`, or undefined for inline tensors; the path is resolved against `modelDir`. */
export function externalLocation(t: TensorProto, modelDir: string): ExternalLocation | undefined {
  if (t.dataLocation !== DATA_LOCATION_EXTERNAL) return undefined;
  const entries = new Map(t.externalData.map((e) => [e.key, e.value]));
  const location = entries.get('location');
  if (!location) throw new LoomError('BAD_FILE', `initializer "${t.name}" is external but has no location`);
  const rel = normalize(location);
  // Same rule as onnx's checker: the data file must stay inside the model folder.
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) {
    throw new LoomError('BAD_FILE', `initializer "${t.name}": external location "${location}" escapes the model folder ${modelDir}`);
  }
  const length = entries.get('length');
  return { file: resolve(modelDir, rel), offset: Number(entries.get('offset') ?? 0), ...(length ? { length: Number(length) } : {}) };
}

/** Caches one read-only handle per external file while a batch of tensors is read. */
export class ExternalReader {
  private readonly handles = new Map<string, Promise<FileHandle>>();

  /** Reads `length` bytes at `offset` of `file` into a fresh (aligned) buffer. */
  async read(file: string, offset: number, length: number): Promise<Uint8Array> {
    let handle = this.handles.get(file);
    if (!handle) {
      handle = open(file, 'r');
      this.handles.set(file, handle);
    }
    const h = await handle;
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await h.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new LoomError('BAD_FILE', `external data file ${file} is truncated: wanted ${length} bytes at offset ${offset}`);
      done += bytesRead;
    }
    return out;
  }

  /** Closes every handle opened so far. */
  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map(async (h) => (await h).close()));
  }
}

/**
 * Reads a FLOAT or FLOAT16 initializer as float32 (a copy: raw_data views into the model file are
 * often misaligned for Float32Array).
 */
export async function readTensorFloat32(t: TensorProto, modelDir: string, reader: ExternalReader): Promise<Float32Array> {
  const bytesPer = elementBytes(t);
  const n = tensorSize(t);
  const ext = externalLocation(t, modelDir);
  let raw: Uint8Array;
  if (ext) {
    if (ext.length !== undefined && ext.length !== n * bytesPer) {
      throw new LoomError('BAD_FILE', `initializer "${t.name}": external length ${ext.length} ≠ ${n} elements × ${bytesPer} bytes`);
    }
    raw = await reader.read(ext.file, ext.offset, n * bytesPer);
  } else if (t.rawData.length > 0 || n === 0) {
    if (t.rawData.length !== n * bytesPer)
      throw new LoomError('BAD_FILE', `initializer "${t.name}": raw_data has ${t.rawData.length} bytes, expected ${n * bytesPer}`);
    raw = new Uint8Array(t.rawData); // copy → fresh aligned ArrayBuffer (Buffer#slice would be a view)
  } else if (t.dataType === DataType.FLOAT) {
    return Float32Array.from(t.floatData);
  } else {
    // FLOAT16 without raw_data keeps each half's bits in the low 16 bits of int32_data (onnx.proto).
    return halfToFloat32(Uint16Array.from(t.int32Data));
  }
  return bytesPer === 4 ? new Float32Array(raw.buffer) : halfToFloat32(new Uint16Array(raw.buffer));
}
