/**
 * Writer for tests and benchmarks: writes a safetensors file (F32, F16 as raw bits, or BF16 as raw bits) the way the
 * reference writer does (header padded with spaces to a multiple of 8).
 */
import { writeFileSync } from 'node:fs';

/** One tensor to write; `bits` (Uint16Array) for F16/BF16, `Float32Array` for F32. */
export interface TensorToWrite {
  readonly shape: readonly number[];
  readonly data: Float32Array | Uint16Array;
  readonly dtype?: 'F32' | 'F16' | 'BF16';
}

/** Writes `tensors` (and optional metadata) to `path`. */
export function writeSafetensors(path: string, tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: t.dtype ?? (t.data instanceof Float32Array ? 'F32' : 'F16'), shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
  writeFileSync(path, Buffer.concat([prefix, new TextEncoder().encode(json), ...chunks]));
}
