/**
 * A small graph-building DSL over the ONNX protobuf messages of `runtime/onnx-model`: values are
 * plain name strings, `op()` appends a node and returns its output name(s), and large weights are
 * declared with a reader instead of data, so {@link writeModel} can stream them to the external
 * file one at a time (a 3.4 GB UNet is never held whole in memory).
 *
 * Why hand-written: the only maintained ONNX graph builders are Python (onnx.helper, onnxscript);
 * on npm there are decoders and runtimes, not writers. The protobuf schema is the real onnx.proto.
 */
import { float32ToHalf } from '../safetensors/float-convert.ts';
import { createMessage, type NodeProto, type TensorProto, type ValueInfoProto } from '../runtime/onnx-model/onnx-schema.ts';

/** ONNX element types the builder emits (`TensorProto.DataType`). */
export const Elem = { FLOAT: 1, INT32: 6, INT64: 7, FLOAT16: 10 } as const;
export type ElemType = (typeof Elem)[keyof typeof Elem];

/** One node attribute, typed as ONNX stores it. */
export type Attr = { f: number } | { i: number } | { ints: number[] } | { floats: number[] } | { s: string } | { t: TensorProto };

/** `{ f }` etc. → the AttributeProto fields plus its `type`. */
function attribute(name: string, a: Attr): object {
  if ('f' in a) return { name, type: 1, f: a.f };
  if ('i' in a) return { name, type: 2, i: a.i };
  if ('s' in a) return { name, type: 3, s: new TextEncoder().encode(a.s) };
  if ('t' in a) return { name, type: 4, t: a.t };
  if ('floats' in a) return { name, type: 6, floats: a.floats };
  return { name, type: 7, ints: a.ints };
}

/** A weight whose data is read when the model is written. `read` returns float32 values in `dims` order. */
export interface WeightDecl {
  readonly name: string;
  readonly dims: readonly number[];
  readonly read: () => Promise<Float32Array>;
}

/** Options of {@link GraphBuilder.op}. */
export interface OpOptions {
  /** `com.microsoft` for onnxruntime contrib ops. */
  readonly domain?: string;
  /** Number of outputs (default 1). */
  readonly outputs?: number;
}

/** Accumulates one ONNX graph. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  /** Small constants, written inline. */
  readonly constants: TensorProto[] = [];
  /** Large weights, streamed to the external data file. */
  readonly weights: WeightDecl[] = [];
  readonly domains = new Set<string>();
  private counter = 0;
  private readonly scopes: string[] = [];
  private readonly weightNames = new Set<string>();

  constructor(
    /** Element type of activations and float weights: FLOAT for CPU, FLOAT16 for GPU graphs. */
    readonly float: typeof Elem.FLOAT | typeof Elem.FLOAT16,
  ) {}

  /** Declares a graph input; dims are numbers or symbolic names. */
  input(name: string, elem: ElemType, dims: readonly (number | string)[]): string {
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  /** Declares `value` as the graph output `name` (through an Identity when the names differ). */
  output(value: string, name: string, elem: ElemType, dims: readonly (number | string)[]): void {
    if (value !== name) this.nodes.push(node(`/outputs/${name}`, 'Identity', [value], [name], []));
    this.outputs.push(valueInfo(name, elem, dims));
  }

  /** Runs `fn` with node names prefixed by `/<name>` (mirrors torch's scoped names, for readable graphs). */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** Appends a node and returns its single output. */
  op(type: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, options: OpOptions = {}): string {
    return this.opN(type, inputs, attrs, { ...options, outputs: 1 })[0]!;
  }

  /** Appends a node with `options.outputs` outputs and returns them. */
  opN(type: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, options: OpOptions = {}): string[] {
    const id = this.counter++;
    const prefix = this.scopes.length ? `/${this.scopes.join('/')}` : '';
    const outs = Array.from({ length: options.outputs ?? 1 }, (_, k) => `${prefix}/${type}_${id}${k ? `:${k}` : ''}`);
    const attributes = Object.entries(attrs).map(([n, a]) => attribute(n, a));
    if (options.domain) this.domains.add(options.domain);
    this.nodes.push(node(`${prefix}/${type}_${id}`, type, inputs, outs, attributes, options.domain));
    return outs;
  }

  /** An inline int64 constant (shapes, axes, indices). */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.constant(Elem.INT64, dims, new Uint8Array(data.buffer));
  }

  /** An inline constant of the compute float type (float32 values are rounded for FLOAT16 graphs). */
  floats(values: Float32Array | readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant(this.float, dims, floatBytes(Float32Array.from(values), this.float));
  }

  /** An inline float32 constant, whatever the compute type (timestep math stays float32, as in diffusers). */
  float32(values: Float32Array | readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant(Elem.FLOAT, dims, floatBytes(Float32Array.from(values), Elem.FLOAT));
  }

  /** Declares a weight read at write time; its name is the diffusers module path (unique per graph). */
  weight(name: string, dims: readonly number[], read: () => Promise<Float32Array>): string {
    if (this.weightNames.has(name)) return name;
    this.weightNames.add(name);
    this.weights.push({ name, dims, read });
    return name;
  }

  private constant(elem: ElemType, dims: readonly number[], rawData: Uint8Array): string {
    const name = `const_${this.counter++}`;
    this.constants.push(createMessage<TensorProto>('onnx.TensorProto', { name, dims: [...dims], dataType: elem, rawData }));
    return name;
  }
}

/** float32 values → raw little-endian bytes of `elem` (FLOAT, or FLOAT16 rounded to nearest even). */
export function floatBytes(values: Float32Array, elem: ElemType): Uint8Array {
  const data = elem === Elem.FLOAT ? values : float32ToHalf(values);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function node(name: string, opType: string, input: readonly string[], output: readonly string[], attribute: object[], domain?: string): NodeProto {
  return createMessage<NodeProto>('onnx.NodeProto', {
    name,
    opType,
    input: [...input],
    output: [...output],
    attribute,
    ...(domain ? { domain } : {}),
  } as Partial<NodeProto>);
}

/** A tensor ValueInfoProto; string dims are symbolic. */
export function valueInfo(name: string, elemType: ElemType, dims: readonly (number | string)[]): ValueInfoProto {
  return createMessage<ValueInfoProto>('onnx.ValueInfoProto', {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
}
