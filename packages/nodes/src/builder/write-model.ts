/**
 * Writes a {@link GraphBuilder} as `<dir>/model.onnx` plus one external data file `model.onnx_data`
 * (the Optimum layout: `model.onnx` + `model.onnx_data`), streaming each weight from its reader to disk so that only
 * one tensor is in memory at a time.
 *
 * Alignment follows onnx `external_data_helper` (`align_offset`, onnx ≥ 1.16): tensors of 1 MB or more
 * start on a 64 KiB boundary (the allocation granularity, so onnxruntime can map them), smaller ones on
 * 64 bytes (SIMD-friendly for any reader that maps the file).
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { LoomError } from '@loom/engine';
import { createMessage, encodeModel, type ModelProto, type TensorProto } from '../runtime/onnx-model/onnx-schema.ts';
import { Elem, floatBytes, type GraphBuilder } from './graph.ts';

/** Bumped whenever a built graph changes, so caches keyed by it rebuild. */
export const BUILDER_VERSION = '1';

/** File name of the external data, as Optimum writes it. */
export const DATA_FILE = 'model.onnx_data';
const BIG = 1 << 20;
const PAGE = 1 << 16;
const SMALL = 64;

/** Progress of one write: bytes of weights written so far and in total. */
export type WriteProgress = (done: number, total: number) => void;

function align(offset: number, bytes: number): number {
  const to = bytes >= BIG ? PAGE : SMALL;
  return Math.ceil(offset / to) * to;
}

/** Options of {@link writeModel}. */
export interface WriteOptions {
  /** Called after each weight with the bytes written so far and in total. */
  readonly progress?: WriteProgress;
  /** Checked before each weight: a cancelled build stops within one tensor. */
  readonly signal?: AbortSignal;
}

/** Bytes the weights of `g` take in the external data file (without alignment padding). */
export function weightBytes(g: GraphBuilder): number {
  const bytesPer = g.float === Elem.FLOAT ? 4 : 2;
  return g.weights.reduce((n, w) => n + w.dims.reduce((a, b) => a * b, 1) * bytesPer, 0);
}

/** Writes the graph to `dir`; returns the path of `model.onnx`. */
export async function writeModel(g: GraphBuilder, dir: string, options: WriteOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const total = weightBytes(g);
  const initializers: TensorProto[] = [...g.constants];
  const data = await open(join(dir, DATA_FILE), 'w');
  let offset = 0;
  let done = 0;
  try {
    for (const w of g.weights) {
      options.signal?.throwIfAborted();
      const values = await w.read();
      const size = w.dims.reduce((a, b) => a * b, 1);
      if (values.length !== size) {
        // Declarations are shape-checked against the file's header, so only damaged data gets here.
        throw new LoomError('BAD_FILE', `weight "${w.name}": read ${values.length} values for dims [${w.dims.join(', ')}]; the weights file is damaged.`);
      }
      const bytes = floatBytes(values, g.float);
      offset = align(offset, bytes.length);
      await data.write(bytes, 0, bytes.length, offset);
      initializers.push(
        createMessage<TensorProto>('onnx.TensorProto', {
          name: w.name,
          dims: [...w.dims],
          dataType: g.float,
          dataLocation: 1,
          externalData: [
            { key: 'location', value: DATA_FILE },
            { key: 'offset', value: String(offset) },
            { key: 'length', value: String(bytes.length) },
          ],
        }),
      );
      offset += bytes.length;
      done += bytes.length;
      options.progress?.(done, total);
    }
  } finally {
    await data.close();
  }
  const opsetImport = [{ domain: '', version: 17 }, ...[...g.domains].map((domain) => ({ domain, version: 1 }))];
  const model = createMessage<ModelProto>('onnx.ModelProto', {
    irVersion: 8,
    opsetImport,
    graph: createMessage('onnx.GraphProto', { name: 'main_graph', node: g.nodes, initializer: initializers, input: g.inputs, output: g.outputs }),
  });
  // producer fields help people who open the file in Netron tell it apart from an export
  Object.assign(model, { producerName: 'loom-builder', producerVersion: BUILDER_VERSION });
  const path = join(dir, 'model.onnx');
  const handle = await open(path, 'w');
  try {
    await handle.write(encodeModel(model));
  } finally {
    await handle.close();
  }
  return path;
}
