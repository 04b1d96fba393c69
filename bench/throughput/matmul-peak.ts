/**
 * The machine's practical fp32 peak as onnxruntime sees it: one MatMul of two N×N matrices, the
 * operation a UNet spends most of its time in (Conv runs as im2col + GEMM in MLAS). Reporting the
 * UNet's GFLOP/s against this peak, measured in the same run and with the same thread count, turns a
 * noisy absolute number into a stable efficiency ratio.
 *
 * The model is written with protobufjs and the real onnx.proto (the repo's onnx-schema), so no Python
 * or exported file is needed. B is an initializer, as UNet weights are, so onnxruntime pre-packs it.
 */
import * as ort from 'onnxruntime-node';
import { DataType, createMessage, encodeModel, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../../packages/nodes/src/runtime/onnx-model/onnx-schema.ts';
import { median } from '../lib/report.ts';

/** Deterministic values in [-0.5, 0.5) (Park–Miller LCG): the timing does not depend on them. */
export function uniform(count: number, seed = 1): Float32Array {
  const out = new Float32Array(count);
  let s = seed;
  for (let i = 0; i < count; i++) {
    s = (s * 16807) % 2147483647;
    out[i] = s / 2147483647 - 0.5;
  }
  return out;
}

function matrixInfo(name: string, n: number): ValueInfoProto {
  return createMessage<ValueInfoProto>('onnx.ValueInfoProto', { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: n }, { dimValue: n }] } } } });
}

/** ONNX bytes of `C = A · B` with A an input [n, n] and B a constant [n, n] (opset 17). */
export function matmulModel(n: number): Uint8Array {
  const b = uniform(n * n, 7);
  const weight = createMessage<TensorProto>('onnx.TensorProto', { name: 'B', dims: [n, n], dataType: DataType.FLOAT, rawData: new Uint8Array(b.buffer) });
  const node = createMessage<NodeProto>('onnx.NodeProto', { name: 'matmul', opType: 'MatMul', input: ['A', 'B'], output: ['C'] });
  const model = createMessage<ModelProto>('onnx.ModelProto', {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: createMessage('onnx.GraphProto', { name: 'matmul_peak', node: [node], initializer: [weight], input: [matrixInfo('A', n)], output: [matrixInfo('C', n)] }),
  });
  return encodeModel(model);
}

export interface PeakResult {
  threads: number;
  /** Median GFLOP/s over the timed runs (2·n³ floating-point operations per MatMul). */
  gflops: number;
  runs: number;
}

/** Times `runs` MatMuls of size n after one warm-up run and returns the median rate. */
export async function matmulPeak(threads: number, n = 2048, runs = 7): Promise<PeakResult> {
  const session = await ort.InferenceSession.create(matmulModel(n), { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
  try {
    const feeds = { A: new ort.Tensor('float32', uniform(n * n, 3), [n, n]) };
    await session.run(feeds);
    const seconds: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      seconds.push((performance.now() - t0) / 1000);
    }
    return { threads, gflops: (2 * n ** 3) / median(seconds) / 1e9, runs };
  } finally {
    await session.release();
  }
}
