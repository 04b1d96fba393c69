/**
 * Parsing and validation of a safetensors header.
 *
 * Format (huggingface/safetensors README "Format", `safetensors/src/tensor.rs`): 8 bytes u64 LE
 * header size N, then N bytes of UTF-8 JSON `{name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__"?: {string: string}}`, then the byte buffer. Offsets are relative to the buffer
 * (file offset 8 + N + begin); `end` is exclusive. The reference implementation limits N to 100 MB.
 */
import { LoomError } from '@loom/engine';

/** Element types a safetensors file may declare, with their size in bytes. */
const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_SIZES;

/** One tensor's entry in the header; `begin`/`end` are absolute file offsets. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** The parsed header: tensors in file order and the optional string metadata. */
export interface SafetensorsHeader {
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
  /** File offset of the byte buffer (8 + N). */
  readonly dataStart: number;
}

/** Largest header accepted, as in the reference implementation (`MAX_HEADER_SIZE = 100_000_000`). */
export const MAX_HEADER_SIZE = 100_000_000;

/** Every problem with a safetensors file: a BAD_FILE LoomError whose message names the file. */
export function safetensorsError(file: string, detail: string, options?: { cause?: unknown }): LoomError {
  return new LoomError('BAD_FILE', `safetensors file ${file}: ${detail}`, options);
}

/**
 * Validates the JSON header of `file` whose data section (after the header) is `dataLength` bytes.
 * Rejects unknown dtypes, bad shapes, offsets that disagree with the shape, offsets beyond the end
 * of the file (a truncated file) and overlapping tensors.
 */
export function parseHeader(file: string, json: Uint8Array, dataStart: number, dataLength: number): SafetensorsHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (cause) {
    throw safetensorsError(file, `header is not valid UTF-8 JSON (${(cause as Error).message})`, { cause });
  }
  if (!isRecord(parsed)) throw safetensorsError(file, 'header JSON is not an object');

  let metadata: Record<string, string> = {};
  const tensors: TensorInfo[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(file, value);
      continue;
    }
    tensors.push(parseTensor(file, name, value, dataStart, dataLength));
  }
  checkNoOverlap(file, tensors);
  return { tensors: new Map(tensors.map((t) => [t.name, t])), metadata, dataStart };
}

function parseMetadata(file: string, value: unknown): Record<string, string> {
  if (!isRecord(value)) throw safetensorsError(file, '__metadata__ is not an object');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw safetensorsError(file, `__metadata__.${k} is not a string`);
  }
  return value as Record<string, string>;
}

function parseTensor(file: string, name: string, value: unknown, dataStart: number, dataLength: number): TensorInfo {
  if (!isRecord(value)) throw safetensorsError(file, `tensor "${name}": entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZES)) {
    throw safetensorsError(file, `tensor "${name}": unsupported dtype ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw safetensorsError(file, `tensor "${name}": shape ${JSON.stringify(shape)} is not a list of sizes`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw safetensorsError(file, `tensor "${name}": bad data_offsets ${JSON.stringify(offsets)}`);
  }
  const [b, e] = offsets as [number, number];
  if (e < b) throw safetensorsError(file, `tensor "${name}": data_offsets end before they begin`);
  const bytes = (shape as number[]).reduce((n, d) => n * d, 1) * DTYPE_SIZES[dtype as SafetensorsDtype];
  if (e - b !== bytes) {
    throw safetensorsError(file, `tensor "${name}": data_offsets [${b}, ${e}] hold ${e - b} bytes, shape ${JSON.stringify(shape)} ${dtype} needs ${bytes}`);
  }
  if (e > dataLength) {
    throw safetensorsError(file, `truncated: tensor "${name}" ends at data byte ${e} but the file has only ${dataLength} data bytes`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin: dataStart + b, end: dataStart + e };
}

function checkNoOverlap(file: string, tensors: TensorInfo[]): void {
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.begin < prev.end) {
      throw safetensorsError(file, `tensors "${prev.name}" and "${cur.name}" overlap in the data buffer`);
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
