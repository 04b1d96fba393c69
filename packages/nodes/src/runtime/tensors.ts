/**
 * Building input tensors in the element type a session declares (int32 vs int64 ids, float vs
 * float16 vs int64 timesteps), and reading float outputs whatever their precision.
 */
import * as ort from 'onnxruntime-node';
import { LoomError } from '@loom/engine';
import { float32ToHalf, halfToFloat32 } from '../safetensors/float-convert.ts';

/** A float tensor in the declared element type (fp16 inputs travel as Uint16Array bits). */
export function floatTensor(type: string, data: Float32Array, dims: readonly number[]): ort.Tensor {
  if (type === 'float16') return new ort.Tensor('float16', float32ToHalf(data), dims);
  if (type === 'float32') return new ort.Tensor('float32', data, dims);
  throw new LoomError('UNSUPPORTED_MODEL', `Expected a float input, the model declares ${type}.`);
}

/** Integer ids in the declared element type. */
export function idsTensor(type: string, ids: readonly number[], dims: readonly number[]): ort.Tensor {
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.from(ids), dims);
  if (type === 'int64')
    return new ort.Tensor(
      'int64',
      BigInt64Array.from(ids, (id) => BigInt(id)),
      dims,
    );
  throw new LoomError('UNSUPPORTED_MODEL', `Expected integer ids, the model declares ${type}.`);
}

/** A float32 copy of a float output. */
export function readFloats(tensor: ort.Tensor): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') return halfToFloat32(tensor.data as Uint16Array);
  throw new LoomError('UNSUPPORTED_MODEL', `Expected a float output, got ${tensor.type}.`);
}

/** Declared element type and rank of a session input, or a clear error naming the model. */
export function requireInput(session: ort.InferenceSession, name: string, model: string): { type: string; rank: number } {
  const meta = session.inputMetadata.find((m) => m.name === name);
  if (!meta || !meta.isTensor) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${model} has no tensor input "${name}" (inputs: ${session.inputNames.join(', ')}); it does not look like a Stable Diffusion export.`,
    );
  }
  return { type: meta.type, rank: meta.shape.length };
}
