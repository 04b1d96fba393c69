import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from './onnx-model.ts';
import { decodeModel } from './onnx-schema.ts';
import { quantizeColumns, quantizeMatMulsInt8 } from './quantize-int8.ts';
import { writeTestModel, type LayerSpec } from './test-model-builder.ts';

const root = mkdtempSync(join(tmpdir(), 'loom-int8-'));

/** Deterministic values in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: count }, () => ((s = (s * 16807) % 2147483647), (2 * s) / 2147483647 - 1));
}

test('per-column symmetric 7-bit quantization, worked by hand', () => {
  // W (2 × 2, row-major) = [[1, -0.5], [0.63, 0.2]]: column maxima 1 and 0.5.
  const { q, scale } = quantizeColumns(new Float32Array([1, -0.5, 0.63, 0.2]), 2, 2);
  assert.deepEqual([...scale], [Math.fround(1 / 63), Math.fround(0.5 / 63)]);
  // 0.63 · 63 = 39.69 → 40; 0.2 / 0.5 · 63 = 25.2 → 25.
  assert.deepEqual([...q], [63, -63, 40, 25]);
  assert.deepEqual([...quantizeColumns(new Float32Array([0, 0]), 1, 2).q], [0, 0], 'an all-zero column stays zero');
});

test('MatMul weights become DynamicQuantizeMatMul with int8 weights; outputs within 2% of the float math', async () => {
  const [inF, outF] = [64, 48];
  const weight = values(inF * outF, 7); // PyTorch layout [out, in]
  const layers: LayerSpec[] = [
    { module: 'blk.attn.to_q', kind: 'matmul', inFeatures: inF, outFeatures: outF, weight },
    { module: 'blk.time_emb_proj', kind: 'gemm', inFeatures: inF, outFeatures: outF, weight },
  ];
  const dir = join(root, 'external');
  const model = await OnnxModel.load(writeTestModel(dir, layers, { storage: 'model.onnx_data' }));
  const { bytes, quantized } = await quantizeMatMulsInt8(model);
  assert.equal(quantized, 1);
  const proto = decodeModel(bytes);
  assert.deepEqual(
    proto.graph.node.map((n) => `${n.domain || 'ai.onnx'}.${n.opType}`),
    ['com.microsoft.DynamicQuantizeMatMul', 'ai.onnx.Gemm'],
  );
  const types = new Map(proto.graph.initializer.map((t) => [t.name, t.dataType]));
  const [matmulWeight] = model.proto.graph.node[0]!.input.slice(1);
  assert.equal(types.get(`${matmulWeight}_int8`), 3, 'int8 weight');
  assert.equal(types.get(`${matmulWeight}_scale`), 1, 'float scales');
  assert.equal(types.has(matmulWeight!), false, 'the float MatMul weight is dropped');
  assert.equal(types.get('blk.time_emb_proj.weight'), 1, 'the Gemm weight stays float (and external)');
  assert.ok(proto.opsetImport.some((o) => o.domain === 'com.microsoft'));

  const x = values(2 * inF, 11);
  const session = await ort.InferenceSession.create(bytes, model.sessionOptions());
  const feeds = { x_0: new ort.Tensor('float32', x, [2, inF]), x_1: new ort.Tensor('float32', x, [2, inF]) };
  const out = await session.run(feeds);
  await session.release();
  // y = x · Wᵀ in float64, by hand.
  const expected: number[] = [];
  for (let r = 0; r < 2; r++) {
    for (let o = 0; o < outF; o++) {
      let sum = 0;
      for (let i = 0; i < inF; i++) sum += x[r * inF + i]! * weight[o * inF + i]!;
      expected.push(sum);
    }
  }
  const peak = Math.max(...expected.map(Math.abs));
  const int8 = out.y_0!.data as Float32Array;
  const worst = Math.max(...expected.map((e, i) => Math.abs(int8[i]! - e)));
  // Weights at 7 bits and activations at 8 bits: a few tenths of a percent per product, ~1% after summing 64.
  assert.ok(worst < 0.02 * peak, `int8 error ${worst} vs peak ${peak}`);
  assert.ok(worst > 0, 'the MatMul really ran quantized');
  const gemm = out.y_1!.data as Float32Array;
  expected.forEach((e, i) => assert.ok(Math.abs(gemm[i]! - e) < 1e-4, `Gemm y[${i}]`));
});

test('a model without a float MatMul weight comes back unchanged', async () => {
  const path = writeTestModel(join(root, 'gemm-only'), [{ module: 'p', kind: 'gemm', inFeatures: 2, outFeatures: 2, weight: new Float32Array(4) }]);
  const { bytes, quantized } = await quantizeMatMulsInt8(await OnnxModel.load(path));
  assert.equal(quantized, 0);
  assert.deepEqual(Buffer.from(bytes), readFileSync(path));
});
