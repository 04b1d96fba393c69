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
import {
  DataType,
  createMessage,
  encodeModel,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../../packages/nodes/src/runtime/onnx-model/onnx-schema.ts';
import { abba, median, spreadOf, type Figure } from '../lib/report.ts';

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
  return createMessage<ValueInfoProto>('onnx.ValueInfoProto', {
    name,
    type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: n }, { dimValue: n }] } } },
  });
}

/** ONNX bytes of `C = A · B` with A an input [n, n] and B a constant [n, n] (opset 17). */
export function matmulModel(n: number): Uint8Array {
  const b = uniform(n * n, 7);
  const weight = createMessage<TensorProto>('onnx.TensorProto', { name: 'B', dims: [n, n], dataType: DataType.FLOAT, rawData: new Uint8Array(b.buffer) });
  const node = createMessage<NodeProto>('onnx.NodeProto', { name: 'matmul', opType: 'MatMul', input: ['A', 'B'], output: ['C'] });
  const model = createMessage<ModelProto>('onnx.ModelProto', {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: createMessage('onnx.GraphProto', {
      name: 'matmul_peak',
      node: [node],
      initializer: [weight],
      input: [matrixInfo('A', n)],
      output: [matrixInfo('C', n)],
    }),
  });
  return encodeModel(model);
}

export interface PeakResult {
  threads: number;
  /** Median GFLOP/s over the timed runs (2·n³ floating-point operations per MatMul: n² dot products of length n, a multiply and an add each). */
  gflops: number;
  runs: number;
  /** GFLOP/s of each timed run. */
  samples: number[];
}

/**
 * Times `runs` MatMuls of size n after one warm-up run and returns the median rate. Each timed run gets
 * a fresh input tensor (so nothing can be reused from the run before), and the last result is checked
 * against a plain dot product: a rate is only reported for work that was really done.
 */
export async function matmulPeak(threads: number, n = 2048, runs = 7): Promise<PeakResult> {
  const session = await ort.InferenceSession.create(matmulModel(n), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  try {
    const a = uniform(n * n, 3);
    await session.run({ A: new ort.Tensor('float32', a, [n, n]) });
    const samples: number[] = [];
    let c: Float32Array | undefined;
    for (let i = 0; i < runs; i++) {
      const feeds = { A: new ort.Tensor('float32', a.slice(), [n, n]) };
      const t0 = performance.now();
      const out = await session.run(feeds);
      c = out.C?.data as Float32Array;
      samples.push((2 * n ** 3) / ((performance.now() - t0) / 1000) / 1e9);
    }
    checkFirstRow(a, uniform(n * n, 7), c, n);
    return { threads, gflops: median(samples), runs, samples };
  } finally {
    await session.release();
  }
}

/** C[0, j] for a few columns against a float64 dot product of A's first row and B's column j. */
function checkFirstRow(a: Float32Array, b: Float32Array, c: Float32Array | undefined, n: number): void {
  for (const j of [0, 1, n >> 1, n - 1]) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += (a[k] as number) * (b[k * n + j] as number);
    const got = c?.[j];
    if (got === undefined || Math.abs(got - sum) > 1e-3 * Math.max(1, Math.abs(sum))) {
      throw new Error(`MatMul peak: C[0, ${j}] = ${got} but A·B gives ${sum}; the timed runs did not compute the product`);
    }
  }
}

/**
 * The MatMul 2048³ figures for 1 and 2 threads, from A-B-B-A rounds of the two in one process (each
 * sample the median of five timed runs), with their spread.
 */
export async function matmulFigures(rounds = 2): Promise<Figure[]> {
  const { a: one, b: two } = await abba(
    async () => (await matmulPeak(1, 2048, 5)).gflops,
    async () => (await matmulPeak(2, 2048, 5)).gflops,
    rounds,
  );
  const note = `median of ${one.length} samples per thread count, 1 and 2 threads in A-B-B-A rounds; each sample the median of 5 timed runs`;
  return [
    { metric: 'onnxruntime MatMul 2048³ fp32, 1 thread', value: median(one), unit: 'GFLOP/s', threads: 1, spread: spreadOf(one), note },
    { metric: 'onnxruntime MatMul 2048³ fp32, 2 threads', value: median(two), unit: 'GFLOP/s', threads: 2, spread: spreadOf(two), note },
  ];
}
