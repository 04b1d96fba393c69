/**
 * A tiny safetensors reader for fixture tests (format: huggingface/safetensors README):
 * u64 little-endian header length N, N bytes of JSON `{name: {dtype, shape, data_offsets}}` with an optional
 * `__metadata__` map, then the little-endian tensor bytes. Deliberately independent of packages/nodes.
 */
import { readFileSync } from 'node:fs';

/** dtypes the fixtures use. */
export type LiteDtype = 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'BOOL';

/** One tensor: raw little-endian bytes (a copy, so typed views are aligned) plus dtype and shape. */
export interface LiteTensor {
  dtype: LiteDtype;
  shape: number[];
  bytes: Uint8Array;
}

/** A parsed file: tensors by name and the string metadata map. */
export interface LiteFile {
  tensors: Map<string, LiteTensor>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const KNOWN = new Set<string>(['F32', 'F16', 'BF16', 'I64', 'I32', 'BOOL']);

/** Parses a safetensors buffer; throws on unknown dtypes or offsets outside the buffer. */
export function parseSafetensors(buf: Uint8Array): LiteFile {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + n))) as Record<string, unknown>;
  const start = 8 + n;
  const tensors = new Map<string, LiteTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const e = value as HeaderEntry;
    if (!KNOWN.has(e.dtype)) throw new Error(`${name}: unsupported dtype ${e.dtype}`);
    const [b, end] = e.data_offsets;
    if (start + end > buf.byteLength) throw new Error(`${name}: data beyond end of file`);
    tensors.set(name, { dtype: e.dtype as LiteDtype, shape: e.shape, bytes: buf.slice(start + b, start + end) });
  }
  return { tensors, metadata };
}

/** Reads and parses a safetensors file. */
export function readSafetensors(path: string | URL): LiteFile {
  return parseSafetensors(new Uint8Array(readFileSync(path)));
}

/** IEEE half -> float (subnormals, inf and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Any floating tensor as float32 values (BF16 is the upper half of a float32: u32 = u16 << 16). */
export function toFloat32(t: LiteTensor): Float32Array {
  if (t.dtype === 'F32') return new Float32Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 4);
  const u16 = new Uint16Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 2);
  const out = new Float32Array(u16.length);
  if (t.dtype === 'F16') {
    for (let i = 0; i < u16.length; i++) out[i] = halfToFloat(u16[i] ?? 0);
  } else if (t.dtype === 'BF16') {
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < u16.length; i++) u32[i] = (u16[i] ?? 0) << 16;
  } else {
    throw new Error(`toFloat32: ${t.dtype} is not a float dtype`);
  }
  return out;
}

/** I64 tensor as BigInt64Array. */
export function toBigInt64(t: LiteTensor): BigInt64Array {
  if (t.dtype !== 'I64') throw new Error(`toBigInt64: ${t.dtype}`);
  return new BigInt64Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 8);
}

/** I32 tensor as Int32Array. */
export function toInt32(t: LiteTensor): Int32Array {
  if (t.dtype !== 'I32') throw new Error(`toInt32: ${t.dtype}`);
  return new Int32Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 4);
}
