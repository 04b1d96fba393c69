/**
 * Helpers every weight reader shares: element sizes, exact reads at a file offset, and the
 * conversion of stored bytes to float32 (torch's `.float()`: F16/BF16 widen exactly, F64 rounds).
 */
import type { FileHandle } from 'node:fs/promises';
import { LoomError } from '@loom/engine';
import { bfloat16ToFloat32, halfToFloat32 } from '../safetensors/float-convert.ts';
import type { WeightDtype, WeightInfo } from './weight-source.ts';

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<WeightDtype, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Number of elements of a shape (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * Reads exactly `length` bytes at `position` into a fresh, aligned buffer; a short read means the
 * file ends early, reported as BAD_FILE naming `origin` and `what`.
 */
export async function readExact(handle: FileHandle, position: number, length: number, origin: string, what: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new LoomError('BAD_FILE', `${origin}: the file ends before ${what} (truncated download?). Download it again.`);
    }
    done += bytesRead;
  }
  return bytes;
}

/** Decodes a float tensor's little-endian bytes to float32; any other dtype is BAD_FILE. */
export function bytesToFloat32(bytes: Uint8Array, info: WeightInfo, origin: string): Float32Array {
  const b = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  switch (info.dtype) {
    case 'F32':
      return new Float32Array(b);
    case 'F16':
      return halfToFloat32(new Uint16Array(b));
    case 'BF16':
      return bfloat16ToFloat32(new Uint16Array(b));
    case 'F64':
      return Float32Array.from(new Float64Array(b));
    default:
      throw new LoomError(
        'BAD_FILE',
        `${origin}: tensor "${info.name}" is stored as ${info.dtype}, but a weight must be F32, F16, BF16 or F64. The file is not a model checkpoint, or it is quantized in a format Loom does not read.`,
      );
  }
}
