/**
 * An initializer's patched copy stored inline, as the benchmark's `recreate` technique writes merged
 * weights into the re-encoded model (ONNX TensorProto `raw_data`: little-endian element bytes).
 */
import { LoomError } from '@loom/engine';
import { float32ToHalf } from '../../packages/nodes/src/safetensors/float-convert.ts';
import { DataType, createMessage, int64, type TensorProto } from '../../packages/nodes/src/runtime/onnx-model/onnx-schema.ts';

/**
 * A copy of `t` (same name, dims and type) whose values are `values`, stored inline as raw_data.
 * FLOAT16 tensors are rounded back to half precision (nearest even).
 */
export function inlineTensor(t: TensorProto, values: Float32Array): TensorProto {
  if (t.dataType !== DataType.FLOAT && t.dataType !== DataType.FLOAT16) {
    throw new LoomError('UNSUPPORTED_MODEL', `initializer "${t.name}" has data type ${t.dataType}; only FLOAT (1) and FLOAT16 (10) can be patched`);
  }
  const size = t.dims.reduce<number>((n, d) => n * int64(d), 1);
  if (values.length !== size) throw new LoomError('NODE_FAILED', `initializer "${t.name}": ${values.length} values for ${size} elements`);
  const data = t.dataType === DataType.FLOAT ? values : float32ToHalf(values);
  return createMessage<TensorProto>('onnx.TensorProto', {
    name: t.name,
    dims: t.dims,
    dataType: t.dataType,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}
