import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from './onnx-model.ts';
import { createMessage, type TensorProto } from './onnx-schema.ts';
import { writeTestModel, type LayerSpec } from './test-model-builder.ts';
import { halfBitsToFloat, floatToHalfBits } from '../../safetensors/float-convert.ts';

const root = mkdtempSync(join(tmpdir(), 'loom-onnx-'));
// W = [[1, 2], [3, 4], [5, 6]] as a PyTorch Linear(2 → 3) weight.
const W = new Float32Array([1, 2, 3, 4, 5, 6]);
const layers: LayerSpec[] = [
  { module: 'blk.attn.to_q', kind: 'matmul', inFeatures: 2, outFeatures: 3, weight: W },
  { module: 'blk.time_emb_proj', kind: 'gemm', inFeatures: 2, outFeatures: 3, weight: W },
];
const x = new Float32Array([1, 0.5, -1, 2]); // two rows
// y = x · Wᵀ by hand: row [1, .5] → [2, 5, 8]; row [-1, 2] → [3, 5, 7]
const expected = [2, 5, 8, 3, 5, 7];

async function run(model: Uint8Array | string, options: ort.InferenceSession.SessionOptions): Promise<number[][]> {
  const s = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  try {
    const out = await s.run({ x_0: new ort.Tensor('float32', x, [2, 2]), x_1: new ort.Tensor('float32', x, [2, 2]) });
    return [[...(out.y_0!.data as Float32Array)], [...(out.y_1!.data as Float32Array)]];
  } finally {
    await s.release();
  }
}

test('decode → encode of an unmodified model is byte-identical', async () => {
  const path = writeTestModel(join(root, 'inline'), layers);
  const model = await OnnxModel.load(path);
  assert.deepEqual(Buffer.from(model.encode()), readFileSync(path));
  assert.equal(model.hasExternalData, false);
  assert.deepEqual(await run(path, {}), [expected, expected]);
});

for (const storage of ['weights.pb', 'model.onnx_data', 'per-tensor'] as const) {
  test(`external data (${storage}): reads touched tensors, session reads the rest from disk`, async () => {
    const path = writeTestModel(join(root, storage), layers, { storage });
    const model = await OnnxModel.load(path);
    assert.equal(model.hasExternalData, true);
    const anon = model.proto.graph.initializer.find((t) => t.name.startsWith('onnx::MatMul_'))!;
    const values = await model.readFloat32([anon.name, 'blk.time_emb_proj.weight']);
    assert.deepEqual([...values.get(anon.name)!], [1, 3, 5, 2, 4, 6]); // [in, out] = Wᵀ
    assert.deepEqual([...values.get('blk.time_emb_proj.weight')!], [...W]);
    // Replace only the MatMul weight: W' = 2W, inline float32 raw_data; the Gemm weight stays external.
    const doubled = values.get(anon.name)!.map((v) => 2 * v);
    const patched = createMessage<TensorProto>('onnx.TensorProto', { name: anon.name, dims: anon.dims, dataType: 1, rawData: new Uint8Array(doubled.buffer) });
    const bytes = model.encode({ initializers: model.proto.graph.initializer.map((t) => (t === anon ? patched : t)) });
    assert.deepEqual(await run(bytes, model.sessionOptions()), [expected.map((v) => 2 * v), expected]);
    // The shared proto is unchanged afterwards.
    assert.deepEqual(Buffer.from(model.encode()), readFileSync(path));
  });
}

test('fp16 initializers are read as float32', async () => {
  const w = new Float32Array([0.1, 2, 3, 4, 5, 6]);
  const path = writeTestModel(join(root, 'fp16'), [{ ...layers[0]!, weight: w }], { fp16: true, storage: 'weights.pb' });
  const model = await OnnxModel.load(path);
  const t = model.proto.graph.initializer[0]!;
  const v = (await model.readFloat32([t.name])).get(t.name)!;
  assert.equal(v[0], halfBitsToFloat(floatToHalfBits(0.1))); // nearest half to 0.1
});

test('external locations may not escape the model folder', async () => {
  const path = writeTestModel(join(root, 'escape'), layers, { storage: 'weights.pb' });
  const model = await OnnxModel.load(path);
  model.proto.graph.initializer[0]!.externalData[0]!.value = '../secret.bin';
  await assert.rejects(model.readFloat32([model.proto.graph.initializer[0]!.name]), /escapes the model folder/);
});

test('truncated external data and bad model files give errors naming the file', async () => {
  const dir = join(root, 'trunc');
  const path = writeTestModel(dir, layers, { storage: 'weights.pb' });
  writeFileSync(join(dir, 'weights.pb'), new Uint8Array(4));
  const model = await OnnxModel.load(path);
  await assert.rejects(model.readFloat32([model.proto.graph.initializer[1]!.name]), /weights\.pb is truncated/);
  const bad = join(dir, 'bad.onnx');
  writeFileSync(bad, new Uint8Array([0xff, 0xff, 0xff]));
  await assert.rejects(OnnxModel.load(bad), (e: Error) => e.message.includes(bad));
});

/** Every .onnx file under the repo's models/ and test/fixtures/ (real torch.onnx.export output). */
function realExports(): string[] {
  const repo = fileURLToPath(new URL('../../../../../', import.meta.url));
  const found: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory() && e.name !== '_large') walk(p);
      else if (e.name.endsWith('.onnx')) found.push(p);
    }
  };
  walk(join(repo, 'models'));
  walk(join(repo, 'test/fixtures'));
  return found;
}

test('real torch exports re-encode byte for byte (no field of theirs is unknown to the bundled onnx.proto)', async () => {
  const files = realExports();
  if (files.length === 0) return;
  for (const path of files) {
    const model = await OnnxModel.load(path);
    assert.ok(Buffer.from(model.encode()).equals(readFileSync(path)), path);
  }
});
