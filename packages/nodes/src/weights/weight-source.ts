/**
 * The seam between the weight readers (safetensors, restricted pickle, diffusers folders, LDM
 * single-file checkpoints) and the graph builder: a read-only, lazily read map of named tensors.
 *
 * Names are diffusers module paths (`down_blocks.0.attentions.0.proj_in.weight`, …) once a
 * layout converter has run; a reader on its own reports the file's own names. Data is read on
 * demand, one tensor at a time, so a multi-GB checkpoint is never held twice in memory.
 */

/** Storage types the readers understand; F16/BF16 are decoded to float32 by {@link WeightSource.readFloat32}. */
export type WeightDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Header facts of one tensor, known without reading its data. */
export interface WeightInfo {
  readonly name: string;
  readonly dtype: WeightDtype;
  readonly shape: readonly number[];
}

/** A set of named tensors whose data is read lazily from disk. */
export interface WeightSource {
  /** What the weights came from, for error messages (a file or folder path). */
  readonly origin: string;
  /** Every tensor name, in a stable order. */
  names(): string[];
  /** Header facts of `name`, or undefined when absent. */
  info(name: string): WeightInfo | undefined;
  /** Reads one tensor as float32 (F16/BF16/F64 converted exactly as torch's `.float()` does). */
  readFloat32(name: string): Promise<Float32Array>;
  /** Reads one tensor's raw little-endian bytes in its stored dtype (for keeping F16 on GPU graphs). */
  readBytes(name: string): Promise<Uint8Array>;
  /** Releases file handles. */
  close(): Promise<void>;
}
