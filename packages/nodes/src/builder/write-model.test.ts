import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from '../runtime/onnx-model/onnx-model.ts';
import { externalLocation } from '../runtime/onnx-model/tensor-data.ts';
import { Elem, GraphBuilder } from './graph.ts';
import { DATA_FILE, writeModel } from './write-model.ts';

function graph(elem: typeof Elem.FLOAT | typeof Elem.FLOAT16): GraphBuilder {
  const g = new GraphBuilder(elem);
  const x = g.input('x', elem, [1, 2]);
  // small: [[1, 2, 3], [4, 5, 6]]; big: 3×174,763 float32 ≈ 2 MB (page-aligned)
  const small = g.weight('small.weight', [2, 3], async () => Float32Array.from([1, 2, 3, 4, 5, 6]));
  const big = g.weight('big.weight', [3, 174_763], async () => new Float32Array(3 * 174_763).fill(0.5));
  const h = g.op('MatMul', [x, small]);
  g.output(g.op('Add', [h, g.floats([10, 20, 30], [3])]), 'y', elem, [1, 3]);
  g.output(g.op('MatMul', [h, big]), 'z', elem, [1, 174_763]);
  return g;
}

test('writeModel streams weights to model.onnx_data with aligned offsets, and onnxruntime runs the result', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-write-'));
  const progress: number[] = [];
  const path = await writeModel(graph(Elem.FLOAT), dir, { progress: (done) => progress.push(done) });
  const model = await OnnxModel.load(path);
  const small = externalLocation(model.initializer('small.weight')!, dir)!;
  const big = externalLocation(model.initializer('big.weight')!, dir)!;
  assert.equal(small.offset, 0);
  assert.equal(big.offset, 65_536, '≥ 1 MB tensors start on a 64 KiB boundary');
  assert.equal(statSync(join(dir, DATA_FILE)).size, 65_536 + 3 * 174_763 * 4);
  assert.deepEqual(progress, [24, 24 + 3 * 174_763 * 4]);
  const s = await ort.InferenceSession.create(path);
  const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, -1]), [1, 2]) });
  // [1, -1] · [[1, 2, 3], [4, 5, 6]] = [-3, -3, -3]; + [10, 20, 30]
  assert.deepEqual([...(out.y!.data as Float32Array)], [7, 17, 27]);
  assert.equal((out.z!.data as Float32Array)[1000], -4.5);
});

test('a float16 graph stores float16 weights (half the bytes)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-write-'));
  await writeModel(graph(Elem.FLOAT16), dir);
  assert.equal(statSync(join(dir, DATA_FILE)).size, 65_536 + 3 * 174_763 * 2);
});

test('a cancelled write stops before the next weight', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(writeModel(graph(Elem.FLOAT), mkdtempSync(join(tmpdir(), 'loom-write-')), { signal: controller.signal }), { name: 'AbortError' });
});
