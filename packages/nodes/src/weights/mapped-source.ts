/**
 * A {@link WeightSource} that renames another source's tensors and, where layouts differ, derives a
 * tensor from a stored one: a row slice (open_clip's packed q/k/v `in_proj`), a 2-D transpose
 * (open_clip's `text_projection`) or a reshape (LDM's 1×1-conv VAE attention as Linear weights).
 * Reads stay lazy: each derived tensor reads its one stored tensor when asked for.
 */
import { LoomError } from '@loom/engine';
import { DTYPE_BYTES, bytesToFloat32, numel } from './tensor-data.ts';
import type { WeightInfo, WeightSource } from './weight-source.ts';

/** How one exposed tensor comes from a stored one. */
export interface TensorMapping {
  /** Name in the underlying source. */
  readonly from: string;
  /** Keep rows [begin, end) of dimension 0. */
  readonly rows?: readonly [number, number];
  /** Swap the two dimensions of a 2-D tensor. */
  readonly transpose?: boolean;
  /** Exposed shape (same element count) when it differs from the stored one. */
  readonly shape?: readonly number[];
}

/** Exposes `mapping` (exposed name → how to derive it) over `base`. Closing closes `base` unless `shared`. */
export function mappedSource(base: WeightSource, mapping: ReadonlyMap<string, TensorMapping>, origin = base.origin, shared = false): WeightSource {
  const infos = new Map<string, WeightInfo>();
  for (const [name, m] of mapping) {
    const stored = base.info(m.from);
    if (!stored) throw new LoomError('BAD_FILE', `${base.origin}: tensor "${m.from}" is missing.`);
    infos.set(name, { name, dtype: stored.dtype, shape: exposedShape(stored.shape, m) });
  }
  const readBytes = async (name: string): Promise<Uint8Array> => {
    const m = mapping.get(name);
    if (!m) throw new LoomError('BAD_FILE', `${origin}: no tensor named "${name}".`);
    const stored = base.info(m.from)!;
    let bytes = await base.readBytes(m.from);
    const size = DTYPE_BYTES[stored.dtype];
    if (m.rows) {
      const rowBytes = (numel(stored.shape) / stored.shape[0]!) * size;
      bytes = bytes.slice(m.rows[0] * rowBytes, m.rows[1] * rowBytes);
    }
    if (m.transpose) bytes = transpose2d(bytes, exposedShape(stored.shape, { from: m.from, rows: m.rows }), size);
    return bytes;
  };
  return {
    origin,
    names: () => [...infos.keys()],
    info: (name) => infos.get(name),
    readBytes,
    readFloat32: async (name) => bytesToFloat32(await readBytes(name), infos.get(name)!, origin),
    close: async () => {
      if (!shared) await base.close();
    },
  };
}

function exposedShape(stored: readonly number[], m: TensorMapping): number[] {
  if (m.shape) return [...m.shape];
  const shape = [...stored];
  if (m.rows) shape[0] = m.rows[1] - m.rows[0];
  if (m.transpose) shape.reverse();
  return shape;
}

function transpose2d(bytes: Uint8Array, [rows, cols]: number[], size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let r = 0; r < rows!; r++) {
    for (let c = 0; c < cols!; c++) {
      out.set(bytes.subarray((r * cols! + c) * size, (r * cols! + c + 1) * size), (c * rows! + r) * size);
    }
  }
  return out;
}
