/**
 * int8 dynamic quantization of MatMul weights, as a graph transform over the decoded ModelProto: every
 * `MatMul(A, W)` whose `W` is a 2-D float initializer becomes onnxruntime's contrib op
 * `com.microsoft.DynamicQuantizeMatMul(A, W_q, W_scale)` (onnxruntime docs/ContribOperators.md). At run
 * time the op quantizes `A` per tensor to uint8 (asymmetric, min/max of the call) and runs an integer
 * GEMM against the int8 weight, scaling the int32 result back to float with `A_scale · W_scale[n]`.
 *
 * Weights are quantized per output column, symmetrically (zero point 0, so the optional zero-point input
 * is left out): `W_scale[n] = max_k |W[k, n]| / 63`, `W_q = round(W / W_scale)` in [−63, 63]. Seven bits,
 * not eight, is onnxruntime's `reduce_range` (quantization/quantize.py): its x86 u8s8 kernels multiply
 * with VPMADDUBSW, which adds two u8·s8 products in int16 and saturates above 32,767; 255 · 63 · 2 fits,
 * 255 · 127 · 2 does not (onnxruntime docs "Quantize ONNX models", section on AVX2 saturation).
 *
 * Gemm and Conv are left in float: the UNet's Linear layers export as MatMul (+ Add), Gemm only appears
 * on the tiny time embedding, and onnxruntime's CPU ConvInteger has no fast kernel (this machine's CPU has
 * AVX2 but no VNNI, so an integer convolution would not gain either).
 *
 * Measured, and why it stays opt-in and not recommended on this CPU:
 * - quality (tools/loom-tiny/quality/results-int8.json, `npm run quality -- --prompts 200 --styles 0
 *   --precision int8`): prompt adherence 94.0% against fp32's 95.5% (results.json), within the 2-point
 *   bar; the VAE round trip 90.0% against 91.7%.
 * - speed (bench/results/session-options.json, SD1.5-size UNet, 32×32 latent, A-B-B-A over processes):
 *   steady CFG step 23.2–27.7 s against fp32's 20.7–41.4 s on a machine at load average 15–20; the
 *   spreads overlap, so no speed-up is shown, and a cold load costs 60–131 s against 18–24 s (the
 *   quantization reads every MatMul weight). Without VNNI, onnxruntime's u8s8 GEMM does not beat its
 *   fp32 SGEMM by enough to pay for quantizing activations at every call.
 * - memory: peak RSS 3.97 GiB against 3.84 GiB: the float convolution weights and the quantization pass
 *   keep the peak where it was.
 */
import { createMessage, DataType, int64, type NodeProto, type TensorProto } from './onnx-schema.ts';
import type { OnnxModel } from './onnx-model.ts';

/** `TensorProto.DataType.INT8`. */
const INT8 = 3;
/** Largest weight magnitude after quantization (7-bit reduce_range; see the module doc). */
const Q_MAX = 63;
const MS_DOMAIN = 'com.microsoft';

/** The result of {@link quantizeMatMulsInt8}. */
export interface QuantizedModel {
  /** The encoded model; float initializers it still uses stay external, in the source model's folder. */
  bytes: Uint8Array;
  /** How many MatMul nodes were replaced. */
  quantized: number;
}

/** Per-column symmetric int8 quantization of a row-major `[rows, cols]` weight. */
export function quantizeColumns(weight: Float32Array, rows: number, cols: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) scale[c] = Math.max(scale[c] as number, Math.abs(weight[r * cols + c] as number));
  }
  // An all-zero column quantizes to zeros with any scale; 1 keeps the division defined.
  for (let c = 0; c < cols; c++) scale[c] = (scale[c] as number) > 0 ? (scale[c] as number) / Q_MAX : 1;
  const q = new Int8Array(weight.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.max(-Q_MAX, Math.min(Q_MAX, Math.round((weight[r * cols + c] as number) / (scale[c] as number))));
  }
  return { q, scale };
}

/** The 2-D FLOAT initializer `name`, or undefined. */
function floatMatrix(model: OnnxModel, name: string | undefined): TensorProto | undefined {
  const t = name === undefined ? undefined : model.initializer(name);
  return t && t.dataType === DataType.FLOAT && t.dims.length === 2 ? t : undefined;
}

/** Quantizes the MatMul weights of `model` (read only as far as those weights) and encodes the result. */
export async function quantizeMatMulsInt8(model: OnnxModel): Promise<QuantizedModel> {
  const graph = model.proto.graph;
  const targets = graph.node.filter((n) => n.opType === 'MatMul' && (n.domain ?? '') === '' && floatMatrix(model, n.input[1]) !== undefined);
  // Nothing to quantize (a convolution-only upscaler or safety checker): the model as it is.
  if (targets.length === 0) return { bytes: model.encode(), quantized: 0 };
  const weightNames = new Set(targets.map((n) => n.input[1] as string));
  // A weight that something else reads too keeps its float copy.
  const otherReaders = new Set(graph.node.filter((n) => !targets.includes(n)).flatMap((n) => n.input));
  const added: TensorProto[] = [];
  for (const name of weightNames) {
    const t = floatMatrix(model, name) as TensorProto;
    const [rows, cols] = t.dims.map(int64) as [number, number];
    // One weight at a time: an SD1.5 UNet's MatMul weights are ~2 GB as float.
    const weight = (await model.readFloat32([name])).get(name) as Float32Array;
    const { q, scale } = quantizeColumns(weight, rows, cols);
    added.push(
      createMessage<TensorProto>('onnx.TensorProto', { name: `${name}_int8`, dims: t.dims, dataType: INT8, rawData: new Uint8Array(q.buffer) }),
      createMessage<TensorProto>('onnx.TensorProto', { name: `${name}_scale`, dims: [cols], dataType: DataType.FLOAT, rawData: new Uint8Array(scale.buffer) }),
    );
  }
  const replaced = new Set(targets);
  const nodes = graph.node.map((n): NodeProto => {
    if (!replaced.has(n)) return n;
    const w = n.input[1] as string;
    return createMessage<NodeProto>('onnx.NodeProto', {
      name: `${n.name}_int8`,
      opType: 'DynamicQuantizeMatMul',
      domain: MS_DOMAIN,
      input: [n.input[0] as string, `${w}_int8`, `${w}_scale`],
      output: n.output,
    });
  });
  const kept = graph.initializer.filter((t) => !weightNames.has(t.name) || otherReaders.has(t.name));
  const opsets = model.proto.opsetImport.some((o) => o.domain === MS_DOMAIN)
    ? model.proto.opsetImport
    : [...model.proto.opsetImport, { domain: MS_DOMAIN, version: 1 }];
  return { bytes: model.encode({ nodes, initializers: [...kept, ...added], opsetImport: opsets }), quantized: targets.length };
}
