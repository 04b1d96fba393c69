/** The benchmark's two ways of patching weights into a model: fed as graph inputs, or inlined. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from '../../packages/nodes/src/runtime/onnx-model/onnx-model.ts';
import { writeTestModel } from '../../packages/nodes/src/runtime/onnx-model/test-model-builder.ts';
import { floatToHalfBits } from '../../packages/nodes/src/safetensors/float-convert.ts';
import { inlineTensor } from './inline-tensor.ts';
import { encodeAsInputs } from './weight-inputs.ts';

const root = mkdtempSync(join(tmpdir(), 'loom-weight-inputs-'));
// W = [[1, 2], [3, 4], [5, 6]] as a PyTorch Linear(2 → 3) weight, in a MatMul layer (stored transposed) and a Gemm layer.
const W = new Float32Array([1, 2, 3, 4, 5, 6]);
const x = new Float32Array([1, 0.5, -1, 2]); // two rows
// y = x · Wᵀ by hand: row [1, .5] → [2, 5, 8]; row [-1, 2] → [3, 5, 7]
const expected = [2, 5, 8, 3, 5, 7];

test('initializers turned into graph inputs are fed per run', async () => {
  const path = writeTestModel(
    join(root, 'override'),
    [
      { module: 'blk.attn.to_q', kind: 'matmul', inFeatures: 2, outFeatures: 3, weight: W },
      { module: 'blk.time_emb_proj', kind: 'gemm', inFeatures: 2, outFeatures: 3, weight: W },
    ],
    { storage: 'weights.pb' },
  );
  const model = await OnnxModel.load(path);
  const anon = model.proto.graph.initializer.find((t) => t.name.startsWith('onnx::MatMul_'))!;
  const session = await ort.InferenceSession.create(encodeAsInputs(model, [anon.name]), model.sessionOptions());
  const wT = new Float32Array([1, 3, 5, 2, 4, 6]).map((v) => -v);
  const out = await session.run({
    x_0: new ort.Tensor('float32', x, [2, 2]),
    x_1: new ort.Tensor('float32', x, [2, 2]),
    [anon.name]: new ort.Tensor('float32', wT, [2, 3]),
  });
  await session.release();
  assert.deepEqual([[...(out.y_0!.data as Float32Array)], [...(out.y_1!.data as Float32Array)]], [expected.map((v) => -v), expected]);
  assert.throws(() => encodeAsInputs(model, ['no.such.weight']), /no initializer named "no\.such\.weight"/);
});

test('an inlined fp16 copy is written back as halves', async () => {
  const w = new Float32Array([0.1, 2, 3, 4, 5, 6]);
  const path = writeTestModel(join(root, 'fp16'), [{ module: 'blk.attn.to_q', kind: 'matmul', inFeatures: 2, outFeatures: 3, weight: w }], {
    fp16: true,
    storage: 'weights.pb',
  });
  const model = await OnnxModel.load(path);
  const t = model.proto.graph.initializer[0]!;
  const v = (await model.readFloat32([t.name])).get(t.name)!;
  const out = inlineTensor(t, v);
  assert.equal(out.dataType, 10);
  assert.deepEqual([...new Uint16Array(out.rawData.slice().buffer)], [...v].map(floatToHalfBits));
  assert.throws(() => inlineTensor(t, v.subarray(1)), /5 values for 6 elements/);
});
