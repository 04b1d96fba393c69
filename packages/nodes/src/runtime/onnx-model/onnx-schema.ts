/**
 * The ONNX protobuf schema (the real `onnx.proto` of ONNX 1.12, in packages/nodes/data: the same
 * `../../../data` from src/ and from the build in dist/) loaded with protobufjs, plus TypeScript views
 * of the message fields this package reads or writes.
 *
 * protobufjs re-encodes only the fields a decoded message actually carried, in field-number order,
 * so decode → encode of an unmodified torch export gives the same bytes (checked in the tests).
 * Fields added to ONNX after 1.12 would be unknown here and dropped on re-encode; the tests check
 * byte equality on real exports so such a loss cannot pass silently.
 */
import { fileURLToPath } from 'node:url';
import type * as protobuf from 'protobufjs';
import { lazyRequire } from '../../lazy-require.ts';

/** protobufjs on first use (lazy-require.ts): a session opened from the optimized-model cache never parses ONNX itself. */
const loadProtobuf = lazyRequire<typeof protobuf>('protobufjs');

/** int64 fields arrive as `Long` objects (protobufjs uses the `long` package when present). */
export interface LongLike {
  toNumber(): number;
}
export type Int64 = number | LongLike;

/** Converts a decoded int64 to a JS number (tensor sizes and offsets fit in 2^53). */
export function int64(v: Int64): number {
  return typeof v === 'number' ? v : v.toNumber();
}

/** `StringStringEntryProto` (external_data entries, metadata_props). */
export interface StringStringEntry {
  key: string;
  value: string;
}

/** `TensorProto`: the fields used for FLOAT / FLOAT16 initializers. */
export interface TensorProto {
  name: string;
  dims: Int64[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  rawData: Uint8Array;
  externalData: StringStringEntry[];
  dataLocation: number;
}

/** `NodeProto`. */
export interface NodeProto {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: { name: string; i?: Int64; ints?: Int64[]; f?: number; type?: number }[];
}

/** `TensorShapeProto.Dimension`. */
export interface Dimension {
  dimValue?: Int64;
  dimParam?: string;
}

/** `ValueInfoProto` for tensor values. */
export interface ValueInfoProto {
  name: string;
  type?: { tensorType?: { elemType: number; shape?: { dim: Dimension[] } } };
}

/** `GraphProto`. */
export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

/** `ModelProto`. */
export interface ModelProto {
  irVersion: Int64;
  graph: GraphProto;
  opsetImport: { domain: string; version: Int64 }[];
}

/** `TensorProto.DataType` values this package handles. */
export const DataType = { FLOAT: 1, FLOAT16: 10 } as const;

/** `TensorProto.DataLocation.EXTERNAL`. */
export const DATA_LOCATION_EXTERNAL = 1;

let modelType: protobuf.Type | undefined;

/** The `onnx.ModelProto` message type, parsed once from the bundled onnx.proto. */
function modelProtoType(): protobuf.Type {
  if (!modelType) {
    const root = loadProtobuf().loadSync(fileURLToPath(new URL('../../../data/onnx.proto', import.meta.url)));
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/** Creates a message of an ONNX type (e.g. `onnx.TensorProto`) from plain properties. */
export function createMessage<T>(typeName: string, props: Partial<T>): T {
  const type = modelProtoType().root.lookupType(typeName);
  // The protobufjs boundary is untyped; the interfaces above describe its decoded shape.
  return type.create(props as Record<string, unknown>) as unknown as T;
}

/** Decodes ModelProto bytes. `raw_data` fields stay views into `bytes` (no copy). */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return modelProtoType().decode(bytes) as unknown as ModelProto;
}

/** Encodes a ModelProto. */
export function encodeModel(model: ModelProto): Uint8Array {
  return modelProtoType()
    .encode(model as unknown as protobuf.Message)
    .finish();
}
