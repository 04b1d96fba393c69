/**
 * Test helper: writes small ONNX files laid out the way `torch.onnx.export` (torch ≥ 1.13, constant
 * folding) lays out Linear/Conv layers (Linear as Gemm, or MatMul on a transposed `onnx::MatMul_*` initializer; Conv weights [out, in, kh, kw]), for unit tests of the weight IO and the
 * LoRA mapping. Each layer gets its own graph input `x_<k>` and output `y_<k>` so a test can check
 * every layer's result against hand-computed math. Not a model fixture: real fixtures are exported.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { float32ToHalf } from '../../safetensors/float-convert.ts';
import { DataType, createMessage, encodeModel, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './onnx-schema.ts';

/** One layer: PyTorch weight `[out, in]` (row-major) exported as the given op pattern. */
export interface LayerSpec {
  /** Module path, e.g. `down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q`. */
  readonly module: string;
  /** `matmul`: anonymous transposed `onnx::MatMul_N` [in,out]; `gemm`: named [out,in] with transB=1;
   * `conv1x1`: named [out,in,1,1]; `transpose`: dynamo style, named [out,in] → Transpose → MatMul. */
  readonly kind: 'matmul' | 'gemm' | 'conv1x1' | 'transpose';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Float32Array;
}

/** How the weights are stored. */
export interface BuildOptions {
  readonly storage?: 'inline' | 'weights.pb' | 'model.onnx_data' | 'per-tensor';
  readonly fp16?: boolean;
  /** Pre-1.13 exports: generic node names such as `MatMul_3`. */
  readonly genericNames?: boolean;
}

const ROWS = 2; // batch rows fed to each layer

/** Writes `<dir>/model.onnx` (+ external files) and returns its path. */
export function writeTestModel(dir: string, layers: readonly LayerSpec[], options: BuildOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const elem = options.fp16 ? DataType.FLOAT16 : DataType.FLOAT;
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const inputs: ValueInfoProto[] = [];
  const outputs: ValueInfoProto[] = [];
  const blobs: { name: string; bytes: Uint8Array }[] = [];
  let counter = 100;
  layers.forEach((l, k) => {
    const scope = `/${l.module.replaceAll('.', '/')}`;
    const conv = l.kind === 'conv1x1';
    const xShape = conv ? [1, l.inFeatures, ROWS, 1] : [ROWS, l.inFeatures];
    const yShape = conv ? [1, l.outFeatures, ROWS, 1] : [ROWS, l.outFeatures];
    inputs.push(valueInfo(`x_${k}`, elem, xShape));
    outputs.push(valueInfo(`y_${k}`, elem, yShape));
    const transposed = l.kind === 'matmul';
    const data = transposed ? transpose(l.weight, l.outFeatures, l.inFeatures) : l.weight;
    const dims = transposed ? [l.inFeatures, l.outFeatures] : conv ? [l.outFeatures, l.inFeatures, 1, 1] : [l.outFeatures, l.inFeatures];
    const wName = transposed ? `onnx::MatMul_${counter++}` : `${l.module}.weight`;
    const bytes = options.fp16 ? u8(float32ToHalf(data)) : u8(data);
    blobs.push({ name: wName, bytes });
    inits.push(createMessage<TensorProto>('onnx.TensorProto', { name: wName, dims, dataType: elem, rawData: bytes }));
    const op = { matmul: 'MatMul', gemm: 'Gemm', conv1x1: 'Conv', transpose: 'MatMul' }[l.kind];
    const nodeName = (suffix: string): string => (options.genericNames ? `${suffix}_${counter++}` : `${scope}/${suffix}`);
    let b = wName;
    if (l.kind === 'transpose') {
      b = `${wName}_t`;
      nodes.push(node(nodeName('Transpose'), 'Transpose', [wName], [b]));
    }
    const attrs = l.kind === 'gemm' ? [{ name: 'transB', i: 1, type: 2 }] : [];
    nodes.push(node(nodeName(op), op, [`x_${k}`, b], [`y_${k}`], attrs));
  });
  placeData(dir, inits, blobs, options.storage ?? 'inline');
  const model = createMessage<ModelProto>('onnx.ModelProto', {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: createMessage('onnx.GraphProto', { name: 'main_graph', node: nodes, initializer: inits, input: inputs, output: outputs }),
  });
  const path = join(dir, 'model.onnx');
  writeFileSync(path, encodeModel(model));
  return path;
}

/** Moves tensor bytes to external files as the chosen exporter would. */
function placeData(dir: string, inits: TensorProto[], blobs: { name: string; bytes: Uint8Array }[], storage: NonNullable<BuildOptions['storage']>): void {
  if (storage === 'inline') return;
  const shared: Uint8Array[] = [];
  let offset = 0;
  inits.forEach((t, i) => {
    const { name, bytes } = blobs[i]!;
    let location: string;
    let at = 0;
    if (storage === 'per-tensor') {
      location = name.replaceAll('::', '__').replaceAll('/', '_');
      writeFileSync(join(dir, location), bytes);
    } else {
      location = storage;
      at = offset;
      shared.push(bytes);
      offset += bytes.length;
    }
    delete (t as Partial<TensorProto>).rawData; // not written at all, as in a real external export
    t.dataLocation = 1;
    t.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(at) },
      { key: 'length', value: String(bytes.length) },
    ];
  });
  if (shared.length) writeFileSync(join(dir, storage), Buffer.concat(shared));
}

function node(name: string, opType: string, input: string[], output: string[], attribute: object[] = []): NodeProto {
  return createMessage<NodeProto>('onnx.NodeProto', { name, opType, input, output, attribute } as Partial<NodeProto>);
}

function valueInfo(name: string, elemType: number, shape: number[]): ValueInfoProto {
  return createMessage<ValueInfoProto>('onnx.ValueInfoProto', {
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  });
}

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!;
  return out;
}

function u8(a: Float32Array | Uint16Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
