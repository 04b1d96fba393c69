/**
 * Lazy safetensors reader: opens the file, reads and validates only the header, then reads the
 * byte range of each requested tensor with `FileHandle.read` at its offset. A 2 GB LoRA or a 7 GB
 * checkpoint is never loaded whole.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { bfloat16ToFloat32, halfToFloat32 } from './float-convert.ts';
import { MAX_HEADER_SIZE, parseHeader, safetensorsError, type SafetensorsHeader, type TensorInfo } from './header.ts';

/** A tensor's data in its natural JS array type; F16/BF16 stay as raw bits in a Uint16Array. */
export type TensorData =
  Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** A tensor read from a file: header entry plus data. */
export interface LoadedTensor {
  readonly info: TensorInfo;
  readonly data: TensorData;
}

/** An open safetensors file. Call {@link SafetensorsFile.close} when done. */
export class SafetensorsFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly header: SafetensorsHeader,
  ) {}

  /** Opens `path` and validates its header; throws a BAD_FILE LoomError naming the file. */
  static async open(path: string): Promise<SafetensorsFile> {
    const handle = await open(path, 'r');
    try {
      return new SafetensorsFile(path, handle, await readHeader(path, handle));
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** The `__metadata__` string map (empty when absent). */
  get metadata(): Readonly<Record<string, string>> {
    return this.header.metadata;
  }

  /** Tensor names in header order. */
  names(): string[] {
    return [...this.header.tensors.keys()];
  }

  /** The header entry of `name`, or undefined. */
  info(name: string): TensorInfo | undefined {
    return this.header.tensors.get(name);
  }

  /** Reads the raw little-endian bytes of one tensor into a fresh, 8-byte-aligned buffer. */
  async readBytes(name: string): Promise<Uint8Array> {
    const info = this.require(name);
    // A fresh ArrayBuffer (not Buffer's shared pool) starts at offset 0, so any typed-array view
    // over it is aligned even when the tensor's file offset is not (old writers mis-padded headers).
    const bytes = new Uint8Array(info.end - info.begin);
    let done = 0;
    while (done < bytes.length) {
      const { bytesRead } = await this.handle.read(bytes, done, bytes.length - done, info.begin + done);
      if (bytesRead === 0) throw safetensorsError(this.path, `truncated while reading tensor "${name}"`);
      done += bytesRead;
    }
    return bytes;
  }

  /** Reads one tensor in its natural typed-array type. */
  async read(name: string): Promise<LoadedTensor> {
    const info = this.require(name);
    return { info, data: view(info, await this.readBytes(name)) };
  }

  /** Reads one F32, F16, BF16 or F64 tensor as float32 values. */
  async readFloat32(name: string): Promise<Float32Array> {
    const { info, data } = await this.read(name);
    switch (info.dtype) {
      case 'F32':
        return data as Float32Array;
      case 'F16':
        return halfToFloat32(data as Uint16Array);
      case 'BF16':
        return bfloat16ToFloat32(data as Uint16Array);
      case 'F64':
        return Float32Array.from(data as Float64Array);
      default:
        throw safetensorsError(this.path, `tensor "${name}" has dtype ${info.dtype}, expected a float type`);
    }
  }

  /** Releases the file handle. */
  async close(): Promise<void> {
    await this.handle.close();
  }

  private require(name: string): TensorInfo {
    const info = this.header.tensors.get(name);
    if (!info) throw safetensorsError(this.path, `no tensor named "${name}"`);
    return info;
  }
}

/** Opens `path`, runs `fn` and always closes the file. */
export async function withSafetensors<T>(path: string, fn: (file: SafetensorsFile) => Promise<T>): Promise<T> {
  const file = await SafetensorsFile.open(path);
  try {
    return await fn(file);
  } finally {
    await file.close();
  }
}

async function readHeader(path: string, handle: FileHandle): Promise<SafetensorsHeader> {
  const { size } = await handle.stat();
  if (size < 8) throw safetensorsError(path, `truncated: ${size} bytes, too short for the 8-byte header size`);
  const prefix = new Uint8Array(8);
  await handle.read(prefix, 0, 8, 0);
  const n = new DataView(prefix.buffer).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE)) {
    throw safetensorsError(path, `header size ${n} exceeds the ${MAX_HEADER_SIZE}-byte limit (not a safetensors file?)`);
  }
  const headerSize = Number(n);
  if (8 + headerSize > size) {
    throw safetensorsError(path, `truncated: header of ${headerSize} bytes but the file has ${size} bytes`);
  }
  const json = new Uint8Array(headerSize);
  await handle.read(json, 0, headerSize, 8);
  return parseHeader(path, json, 8 + headerSize, size - 8 - headerSize);
}

function view(info: TensorInfo, bytes: Uint8Array): TensorData {
  const b = bytes.buffer;
  switch (info.dtype) {
    case 'F32':
      return new Float32Array(b);
    case 'F64':
      return new Float64Array(b);
    case 'F16':
    case 'BF16':
    case 'U16':
      return new Uint16Array(b);
    case 'I16':
      return new Int16Array(b);
    case 'I32':
      return new Int32Array(b);
    case 'U32':
      return new Uint32Array(b);
    case 'I64':
      return new BigInt64Array(b);
    case 'U64':
      return new BigUint64Array(b);
    case 'I8':
      return new Int8Array(b);
    default:
      return bytes; // BOOL, U8 and the 8-bit float formats: raw bytes
  }
}
