/**
 * LoRA on hand-built one-layer models of every kind an SD export has (MatMul, Gemm, Conv 1×1,
 * Transpose→MatMul), against y = x·(W + coef·up@down)ᵀ worked in float64: the exact merge
 * (bench/lora's LoraMerger), the errors of LoraPatcher's resolution, and LoraBranchSession.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { writeTestModel, type LayerSpec } from '../packages/nodes/src/runtime/onnx-model/test-model-builder.ts';
import { writeSafetensors } from '../packages/nodes/src/safetensors/test-writer.ts';
import { float32ToHalf, halfBitsToFloat } from '../packages/nodes/src/safetensors/float-convert.ts';
import { LoraPatcher } from '../packages/nodes/src/sd/lora/lora-patcher.ts';
import { LoraBranchSession } from '../packages/nodes/src/sd/lora/lora-branch-session.ts';
// The exact merge (bench/lora), checked on every layer kind so the benchmark compares a correct technique.
import { LoraMerger } from '../bench/lora/lora-merger.ts';

const root = mkdtempSync(join(tmpdir(), 'loom-lora-'));
const IN = 3;
const OUT = 4;
const RANK = 2;
const seq = (n: number, f: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => f(i));
const W = seq(OUT * IN, (i) => ((i * 7) % 11) / 10 - 0.5);
const layers: LayerSpec[] = [
  { module: 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q', kind: 'matmul', inFeatures: IN, outFeatures: OUT, weight: W },
  { module: 'down_blocks.0.resnets.0.time_emb_proj', kind: 'gemm', inFeatures: IN, outFeatures: OUT, weight: W },
  { module: 'down_blocks.0.attentions.0.proj_in', kind: 'conv1x1', inFeatures: IN, outFeatures: OUT, weight: W },
  { module: 'down_blocks.0.attentions.0.transformer_blocks.0.ff.net.2', kind: 'transpose', inFeatures: IN, outFeatures: OUT, weight: W },
];
const down = seq(RANK * IN, (i) => (i % 5) / 4 - 0.3);
const up = seq(OUT * RANK, (i) => (i % 3) / 2 - 0.4);
const x = seq(2 * IN, (i) => i / 3 - 0.7);

/** y = x·W'ᵀ with W' = W + coef·(up @ down), by the textbook formula in float64. */
function expected(coef: number, rows = 2): number[] {
  const y: number[] = [];
  for (let n = 0; n < rows; n++) {
    for (let o = 0; o < OUT; o++) {
      let s = 0;
      for (let i = 0; i < IN; i++) {
        let d = 0;
        for (let r = 0; r < RANK; r++) d += up[o * RANK + r]! * down[r * IN + i]!;
        s += (W[o * IN + i]! + coef * d) * x[n * IN + i]!;
      }
      y.push(s);
    }
  }
  return y;
}

/** Runs every layer; the conv layer takes x as [1, IN, 2, 1] (channels first) and is transposed back. */
async function runAll(model: Uint8Array, options: ort.InferenceSession.SessionOptions, fp16 = false): Promise<number[][]> {
  const s = await ort.InferenceSession.create(model, options);
  const xc = new Float32Array(2 * IN);
  for (let n = 0; n < 2; n++) for (let i = 0; i < IN; i++) xc[i * 2 + n] = x[n * IN + i]!;
  const t = (data: Float32Array, dims: number[]): ort.Tensor =>
    fp16 ? new ort.Tensor('float16', float32ToHalf(data), dims) : new ort.Tensor('float32', data, dims);
  const out = await s.run({ x_0: t(x, [2, IN]), x_1: t(x, [2, IN]), x_2: t(xc, [1, IN, 2, 1]), x_3: t(x, [2, IN]) });
  await s.release();
  return [0, 1, 2, 3].map((k) => {
    const tensor = out[`y_${k}`]!;
    const v = fp16 ? [...(tensor.data as Uint16Array)].map(halfBitsToFloat) : [...(tensor.data as Float32Array)];
    if (k !== 2) return v;
    return Array.from({ length: 2 * OUT }, (_, j) => v[(j % OUT) * 2 + Math.floor(j / OUT)]!); // [1,OUT,2,1] → [2,OUT]
  });
}

function close(actual: number[], want: number[], tol: number, what: string): void {
  const scale = Math.max(...want.map(Math.abs));
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(actual[i]! - want[i]!) <= tol * scale, `${what}[${i}]: ${actual[i]} vs ${want[i]}`);
}

function loraFile(name: string, prefix: (m: string) => string, alpha?: number, kohya = false): string {
  const path = join(root, name);
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const l of layers) {
    const convShape = l.kind === 'conv1x1';
    const [d, u] = kohya ? ['lora_down', 'lora_up'] : ['lora.down', 'lora.up'];
    tensors[`${prefix(l.module)}.${d}.weight`] = { shape: convShape ? [RANK, IN, 1, 1] : [RANK, IN], data: down };
    tensors[`${prefix(l.module)}.${u}.weight`] = { shape: convShape ? [OUT, RANK, 1, 1] : [OUT, RANK], data: up };
    if (alpha !== undefined) tensors[`${prefix(l.module)}.alpha`] = { shape: [], data: new Float32Array([alpha]) };
  }
  writeSafetensors(path, tensors, { format: 'pt' });
  return path;
}

for (const storage of ['inline', 'weights.pb'] as const) {
  test(`merges into MatMul, Gemm, Conv 1×1 and Transpose→MatMul weights (${storage})`, async () => {
    const modelPath = writeTestModel(join(root, `unet-${storage}`, 'unet'), layers, { storage });
    const lora = loraFile(`l-${storage}.safetensors`, (m) => `unet.${m}`, 1); // alpha 1, rank 2 → scale 0.5
    const merger = await LoraMerger.open(modelPath);
    assert.equal(merger.patcher.component, 'unet');
    const { model, sessionOptions, report } = await merger.patch([{ file: lora, strength: 0.8 }]);
    assert.equal(report.touched.length, 4);
    assert.deepEqual(
      report.files[0]!.matched,
      layers.map((l) => l.module),
    );
    const ys = await runAll(model, sessionOptions);
    ys.forEach((y, k) => close(y, expected(0.8 * 0.5), 1e-6, `layer ${k}`));
  });
}

test('strength 0 gives the base model bit for bit; switching strength recomputes only deltas', async () => {
  const modelPath = writeTestModel(join(root, 's0', 'unet'), layers, { storage: 'weights.pb' });
  const lora = loraFile('s0.safetensors', (m) => `unet.${m}`);
  const merger = await LoraMerger.open(modelPath);
  const zero = await merger.patch([{ file: lora, strength: 0 }]);
  assert.deepEqual(Buffer.from(zero.model), readFileSync(modelPath));
  assert.deepEqual(zero.report.touched, []);
  const one = await merger.patch([{ file: lora, strength: 1 }]);
  (await runAll(one.model, one.sessionOptions)).forEach((y) => close(y, expected(1), 1e-6, 's=1'));
  const neg = await merger.patch([{ file: lora, strength: -0.5 }]);
  (await runAll(neg.model, neg.sessionOptions)).forEach((y) => close(y, expected(-0.5), 1e-6, 's=-0.5'));
});

test('several LoRAs stack: deltas add on the base', async () => {
  const modelPath = writeTestModel(join(root, 'stack', 'unet'), layers);
  const a = loraFile('a.safetensors', (m) => `unet.${m}`);
  const b = loraFile('b.safetensors', (m) => `unet.${m}`, 4); // alpha 4, rank 2 → scale 2
  const merger = await LoraMerger.open(modelPath);
  const p = await merger.patch([
    { file: a, strength: 0.5 },
    { file: b, strength: 0.25 },
  ]);
  (await runAll(p.model, p.sessionOptions)).forEach((y) => close(y, expected(0.5 + 0.25 * 2), 1e-6, 'stack'));
});

test('kohya keys resolve against the model and fp16 weights round-trip', async () => {
  const modelPath = writeTestModel(join(root, 'fp16', 'unet'), layers, { fp16: true, storage: 'model.onnx_data' });
  const lora = loraFile('kohya.safetensors', (m) => `lora_unet_${m.replaceAll('.', '_')}`, 2, true); // alpha 2 = rank → scale 1
  const merger = await LoraMerger.open(modelPath);
  const p = await merger.patch([{ file: lora, strength: 1 }]);
  assert.equal(p.report.files[0]!.format, 'kohya');
  (await runAll(p.model, p.sessionOptions, true)).forEach((y) => close(y, expected(1), 2e-3, 'fp16'));
});

test('unmatched keys warn, a LoRA matching nothing is an error, LoHa is rejected by name', async () => {
  const modelPath = writeTestModel(join(root, 'errors', 'unet'), layers);
  const merger = await LoraMerger.open(modelPath);
  const partial = join(root, 'partial.safetensors');
  writeSafetensors(partial, {
    [`unet.${layers[0]!.module}.lora.down.weight`]: { shape: [RANK, IN], data: down },
    [`unet.${layers[0]!.module}.lora.up.weight`]: { shape: [OUT, RANK], data: up },
    'unet.up_blocks.7.attentions.0.proj_out.lora.down.weight': { shape: [RANK, IN], data: down },
    'unet.up_blocks.7.attentions.0.proj_out.lora.up.weight': { shape: [OUT, RANK], data: up },
  });
  const r = await merger.patch([{ file: partial, strength: 1 }]);
  assert.equal(r.report.touched.length, 1);
  assert.match(r.report.warnings[0]!, /2 keys match no weight.*up_blocks\.7\.attentions\.0\.proj_out\.lora\.down\.weight/);
  const none = join(root, 'none.safetensors');
  writeSafetensors(none, {
    'unet.mid_block.x.lora.down.weight': { shape: [RANK, IN], data: down },
    'unet.mid_block.x.lora.up.weight': { shape: [OUT, RANK], data: up },
  });
  await assert.rejects(merger.patch([{ file: none, strength: 1 }]), /matches nothing in unet model/);
  const loha = join(root, 'loha.safetensors');
  writeSafetensors(loha, { 'lora_unet_down_blocks_0_attentions_0_proj_in.hada_w1_a': { shape: [OUT, RANK], data: up } });
  await assert.rejects(merger.patch([{ file: loha, strength: 1 }]), /uses LoHa \(hada_\*\)/);
});

test('a pre-torch-1.13 export with generic node names gets an error naming the model', async () => {
  const modelPath = writeTestModel(join(root, 'old', 'unet'), layers.slice(0, 1), { genericNames: true });
  const lora = loraFile('old.safetensors', (m) => `unet.${m}`);
  const merger = await LoraMerger.open(modelPath);
  await assert.rejects(merger.patch([{ file: lora, strength: 1 }]), (e: Error) => e.message.includes(modelPath) && /before torch 1\.13/.test(e.message));
});

test('LoraBranchSession adds (x·A)·B branches on MatMul, Gemm, Conv 1×1 and Transpose→MatMul layers', async () => {
  const modelPath = writeTestModel(join(root, 'branches', 'unet'), layers, { storage: 'weights.pb' });
  const a = loraFile('br-a.safetensors', (m) => `unet.${m}`, 1); // scale 0.5
  const b = loraFile('br-b.safetensors', (m) => `unet.${m}`);
  const patcher = await LoraPatcher.open(modelPath);
  const bs = await LoraBranchSession.create(patcher, {}, [{ file: a, strength: 1 }]);
  const xc = new Float32Array(2 * IN);
  for (let n = 0; n < 2; n++) for (let i = 0; i < IN; i++) xc[i * 2 + n] = x[n * IN + i]!;
  const feeds = {
    x_0: new ort.Tensor('float32', x, [2, IN]),
    x_1: new ort.Tensor('float32', x, [2, IN]),
    x_2: new ort.Tensor('float32', xc, [1, IN, 2, 1]),
    x_3: new ort.Tensor('float32', x, [2, IN]),
  };
  const all = async (): Promise<number[][]> => {
    const out = await bs.run(feeds);
    return [0, 1, 2, 3].map((k) => {
      const v = [...(out[`y_${k}`]!.data as Float32Array)];
      return k === 2 ? Array.from({ length: 2 * OUT }, (_, j) => v[(j % OUT) * 2 + Math.floor(j / OUT)]!) : v;
    });
  };
  (await all()).forEach((y, k) => close(y, expected(0.5), 1e-6, `branch layer ${k}`));
  assert.equal(
    (
      await bs.apply([
        { file: a, strength: 1 },
        { file: b, strength: -2 },
      ])
    ).rebuilt,
    false,
  );
  (await all()).forEach((y, k) => close(y, expected(0.5 - 2), 1e-6, `stacked branch layer ${k}`));
  await bs.apply([]);
  (await all()).forEach((y, k) => close(y, expected(0), 1e-6, `zero branch layer ${k}`));
  await bs.release();
});
