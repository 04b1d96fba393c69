/**
 * LoRA correctness against torch: for every LoRA reference in test/fixtures/reference/index.json
 * (written by tools/tiny-sd: the torch replica with the LoRA merged in fp32), patch the ONNX export
 * with the exact merge (bench/lora/lora-merger.ts, on the library's key mapping), run it with
 * onnxruntime-node on the same inputs and compare.
 * Also: strength 0 reproduces the base outputs exactly, the switcher agrees with the references,
 * LoHa is rejected by name, a LoRA matching nothing is an error, a partial match warns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { LoraBranchSession, type LoraComponent } from '../packages/nodes/src/sd/lora/index.ts';
// The benchmark's merged-weights techniques (bench/lora), checked here so its measurements compare correct techniques.
import { LoraMerger } from '../bench/lora/lora-merger.ts';
import { LoraSwitcher } from '../bench/lora/lora-switcher.ts';
import { SafetensorsFile, withSafetensors } from '../packages/nodes/src/safetensors/safetensors-file.ts';
import { writeSafetensors } from '../packages/nodes/src/safetensors/test-writer.ts';
import { float32ToHalf, halfToFloat32 } from '../packages/nodes/src/safetensors/float-convert.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const indexPath = join(repo, 'test/fixtures/reference/index.json');

interface RefEntry {
  file: string;
  pipeline: string;
  model_dir: string;
  inputs: string;
  components: string[];
  keys: string[];
  lora: string | null;
  format: string | null;
  rank: number | null;
  strength: number | null;
}

const index: { files: RefEntry[] } = existsSync(indexPath) ? JSON.parse(readFileSync(indexPath, 'utf8')) : { files: [] };
const loraRefs = index.files.filter((e) => e.lora !== null);
const TOL = 1e-4;

/** Reads every tensor of a safetensors file as an ort.Tensor keyed by name. */
async function readAll(path: string): Promise<Map<string, ort.Tensor>> {
  return withSafetensors(path, async (f) => {
    const out = new Map<string, ort.Tensor>();
    for (const name of f.names()) {
      const { info, data } = await f.read(name);
      const dims = [...info.shape];
      if (info.dtype === 'I64') out.set(name, new ort.Tensor('int64', data as BigInt64Array, dims));
      else if (info.dtype === 'I32') out.set(name, new ort.Tensor('int32', data as Int32Array, dims));
      else out.set(name, new ort.Tensor('float32', await f.readFloat32(name), dims));
    }
    return out;
  });
}

/** Feeds for `component` from `<component>.<input>` tensors, cast to the dtype the graph declares. */
function feedsFor(session: ort.InferenceSession, component: string, inputs: Map<string, ort.Tensor>): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    const t = inputs.get(`${component}.${meta.name}`);
    if (!t) continue; // LoRA weight inputs of a switcher session are fed by the switcher
    if (!meta.isTensor || meta.type === t.type) feeds[meta.name] = t;
    else if (meta.type === 'int32') feeds[meta.name] = new ort.Tensor('int32', Int32Array.from(t.data as BigInt64Array, Number), t.dims);
    else if (meta.type === 'int64')
      feeds[meta.name] = new ort.Tensor(
        'int64',
        BigInt64Array.from(t.data as ArrayLike<number>, (v) => BigInt(Math.round(v))),
        t.dims,
      );
    else if (meta.type === 'float32') feeds[meta.name] = new ort.Tensor('float32', Float32Array.from(t.data as BigInt64Array, Number), t.dims);
    else if (meta.type === 'float16') feeds[meta.name] = new ort.Tensor('float16', float32ToHalf(t.data as Float32Array), t.dims);
    else throw new Error(`cannot feed ${component}.${meta.name} as ${meta.type}`);
  }
  return feeds;
}

/** max |a − b| / max |b|: normwise relative error, meaningful where single elements are near 0. */
function relError(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

const cache = new Map<string, Promise<unknown>>();
function once<T>(key: string, make: () => Promise<T>): Promise<T> {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key) as Promise<T>;
}
const mergerFor = (modelDir: string, component: string): Promise<LoraMerger> =>
  once(`merger:${modelDir}/${component}`, () => LoraMerger.open(join(repo, modelDir, component, 'model.onnx'), { component: component as LoraComponent }));
const inputsOf = (path: string): Promise<Map<string, ort.Tensor>> => once(`inputs:${path}`, () => readAll(join(repo, path)));

async function runOutputs(
  session: ort.InferenceSession,
  component: string,
  inputs: Map<string, ort.Tensor>,
  run?: (f: Record<string, ort.Tensor>) => Promise<ort.InferenceSession.ReturnType>,
): Promise<Record<string, Float32Array>> {
  const feeds = feedsFor(session, component, inputs);
  const out = await (run ? run(feeds) : session.run(feeds));
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.type === 'float16' ? halfToFloat32(v.data as Uint16Array) : (v.data as Float32Array)]));
}

function compare(component: string, outputs: Record<string, Float32Array>, ref: Map<string, ort.Tensor>, what: string): number {
  let worst = 0;
  let compared = 0;
  for (const [key, t] of ref) {
    if (!key.startsWith(`${component}.`)) continue;
    const name = key.slice(component.length + 1);
    const got = outputs[name];
    assert.ok(got, `${what}: output ${name} missing`);
    const err = relError(got, t.data as Float32Array);
    assert.ok(err <= TOL, `${what}: ${key} relative error ${err.toExponential(2)} > ${TOL}`);
    worst = Math.max(worst, err);
    compared++;
  }
  assert.ok(compared > 0, `${what}: reference has no ${component} outputs`);
  return worst;
}

test('LoRA fixtures exist', { skip: loraRefs.length === 0 && 'fixtures not generated yet' }, () => {
  const pipelines = new Set(loraRefs.map((e) => e.pipeline));
  assert.ok(pipelines.has('tiny-sd15') && pipelines.has('tiny-sdxl'));
  assert.deepEqual([...new Set(loraRefs.map((e) => e.strength))].sort(), [0.5, 1]);
});

for (const ref of loraRefs) {
  const name = `${ref.pipeline} ${ref.format} r${ref.rank} s${ref.strength}`;
  test(`merged ONNX outputs match torch within ${TOL}: ${name}`, async () => {
    const inputs = await inputsOf(ref.inputs);
    const expected = await readAll(join(repo, ref.file));
    for (const component of ref.components) {
      const merger = await mergerFor(ref.model_dir, component);
      const { model, sessionOptions, report } = await merger.patch([{ file: join(repo, ref.lora!), strength: ref.strength! }]);
      assert.deepEqual(report.warnings, [], `${name} ${component}: every key must match`);
      const touchedComponent = report.files[0]!.matched.length > 0;
      const session = await ort.InferenceSession.create(model, sessionOptions);
      const outputs = await runOutputs(session, component, inputs);
      await session.release();
      compare(component, outputs, expected, `${name} ${component}`);
      if (!touchedComponent) assert.equal(report.touched.length, 0);
    }
  });
}

for (const pipeline of new Set(loraRefs.map((e) => e.pipeline))) {
  const refs = loraRefs.filter((e) => e.pipeline === pipeline);
  test(`${pipeline}: strength 0 reproduces the base outputs exactly`, async () => {
    const ref = refs.find((e) => e.format === 'kohya') ?? refs[0]!;
    const inputs = await inputsOf(ref.inputs);
    for (const component of ref.components) {
      const path = join(repo, ref.model_dir, component, 'model.onnx');
      const base = await ort.InferenceSession.create(path);
      const baseOut = await runOutputs(base, component, inputs);
      await base.release();
      const merger = await mergerFor(ref.model_dir, component);
      const zero = await merger.patch([{ file: join(repo, ref.lora!), strength: 0 }]);
      assert.deepEqual(Buffer.from(zero.model), readFileSync(path), 'strength 0 leaves the model bytes unchanged');
      const s = await ort.InferenceSession.create(zero.model, zero.sessionOptions);
      assert.deepEqual(await runOutputs(s, component, inputs), baseOut);
      await s.release();
    }
  });

  for (const [label, make] of [
    ['LoraSwitcher (weights as inputs)', (m: LoraMerger) => LoraSwitcher.create(m.patcher)],
    ['LoraBranchSession (low-rank branches)', (m: LoraMerger) => LoraBranchSession.create(m.patcher)],
  ] as const) {
    test(`${pipeline}: ${label} matches every reference from one session per component`, async () => {
      const inputs = await inputsOf(refs[0]!.inputs);
      for (const component of refs[0]!.components) {
        const fast = await make(await mergerFor(refs[0]!.model_dir, component));
        let sessions = 1;
        for (const ref of refs) {
          const { rebuilt } = await fast.apply([{ file: join(repo, ref.lora!), strength: ref.strength! }]);
          if (rebuilt) sessions++;
          const outputs = await runOutputs(fast.current, component, inputs, (f) => fast.run(f));
          compare(component, outputs, await readAll(join(repo, ref.file)), `${label} ${pipeline} ${ref.format} r${ref.rank} s${ref.strength} ${component}`);
        }
        // A new session only when a LoRA touched weights no earlier one did (one per module family).
        assert.ok(sessions <= 1 + new Set(refs.map((r) => r.format)).size, `${sessions} sessions`);
        await fast.release();
      }
    });
  }
}

// The same tiny SD1.5 UNet weights in the diffusers-script layout (one weights.pb, float timestep)
// and the torch-1.12-era layout (one file per tensor): the merge must read only touched tensors from
// the external files and give the same outputs as the Optimum (inline) export.
const sd15Refs = loraRefs.filter((e) => e.pipeline === 'tiny-sd15' && (e.format === 'kohya' || e.format === 'peft-ab'));
for (const dir of ['test/fixtures/tiny-sd15-script', 'test/fixtures/tiny-unet-external']) {
  test(
    `external data (${dir}): merged UNet matches the torch references`,
    { skip: (sd15Refs.length === 0 || !existsSync(join(repo, dir, 'unet/model.onnx'))) && 'fixtures not generated yet' },
    async () => {
      const merger = await LoraMerger.open(join(repo, dir, 'unet/model.onnx'));
      const onnx = merger.patcher.model;
      assert.equal(onnx.hasExternalData, true);
      const fileSize = readFileSync(onnx.path).length;
      for (const ref of sd15Refs) {
        const { model, sessionOptions, report } = await merger.patch([{ file: join(repo, ref.lora!), strength: ref.strength! }]);
        // Only the touched tensors are inlined; everything else still points at the external files.
        const touchedBytes = report.touched.reduce((n, name) => n + 4 * onnx.initializer(name)!.dims.reduce<number>((a, d) => a * Number(d), 1), 0);
        assert.ok(model.length <= fileSize + touchedBytes + 4096, `${model.length} bytes`);
        const session = await ort.InferenceSession.create(model, sessionOptions);
        const outputs = await runOutputs(session, 'unet', await inputsOf(ref.inputs));
        await session.release();
        compare('unet', outputs, await readAll(join(repo, ref.file)), `${dir} ${ref.format} r${ref.rank} s${ref.strength}`);
      }
    },
  );
}

test(
  'fp16 UNet: the merge lands in the float16 initializers',
  { skip: (sd15Refs.length === 0 || !existsSync(join(repo, 'test/fixtures/tiny-sd15-fp16/unet/model.onnx'))) && 'fixtures not generated yet' },
  async () => {
    const ref = sd15Refs.find((e) => e.strength === 1)!;
    const inputs = await inputsOf(ref.inputs);
    const expected = (await readAll(join(repo, ref.file))).get('unet.out_sample')!.data as Float32Array;
    const base = (await readAll(join(repo, 'test/fixtures/reference/tiny-sd15/base.safetensors'))).get('unet.out_sample')!.data as Float32Array;
    const merger = await LoraMerger.open(join(repo, 'test/fixtures/tiny-sd15-fp16/unet/model.onnx'));
    const { model, sessionOptions } = await merger.patch([{ file: join(repo, ref.lora!), strength: 1 }]);
    const session = await ort.InferenceSession.create(model, sessionOptions);
    const got = (await runOutputs(session, 'unet', inputs)).out_sample!;
    await session.release();
    // fp16 weights and activations cost ~1e-3 relative; the LoRA's own effect is far larger.
    const effect = relError(base, expected);
    const err = relError(got, expected);
    assert.ok(err < 1e-2 && err < effect / 5, `fp16 error ${err.toExponential(2)} vs LoRA effect ${effect.toExponential(2)}`);
  },
);

const lohaPath = join(repo, 'test/fixtures/loras/sd15/loha/loha.safetensors');
const sd15Unet = join(repo, 'models/tiny-sd15/unet/model.onnx');
const haveSd15 = existsSync(lohaPath) && existsSync(sd15Unet);

test('a LoHa file is rejected naming LoHa', { skip: !haveSd15 && 'fixtures not generated yet' }, async () => {
  const merger = await LoraMerger.open(sd15Unet);
  await assert.rejects(merger.patch([{ file: lohaPath, strength: 1 }]), /LoHa \(hada_\*\)/);
});

test('a LoRA matching nothing is an error; a partial match warns and lists the keys', { skip: !haveSd15 && 'fixtures not generated yet' }, async () => {
  const merger = await LoraMerger.open(sd15Unet);
  const dir = mkdtempSync(join(tmpdir(), 'loom-lora-it-'));
  const down = { shape: [4, 24], data: new Float32Array(96).fill(0.01) };
  const up = { shape: [24, 4], data: new Float32Array(96).fill(0.01) };
  const none = join(dir, 'none.safetensors');
  writeSafetensors(none, { 'unet.down_blocks.5.attentions.0.proj_in.lora.down.weight': down, 'unet.down_blocks.5.attentions.0.proj_in.lora.up.weight': up });
  await assert.rejects(merger.patch([{ file: none, strength: 1 }]), /matches nothing in unet model/);

  const seed = join(repo, 'models/loras/tiny-sd15/pytorch_lora_weights_4.safetensors');
  const partial = join(dir, 'partial.safetensors');
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  const st = await SafetensorsFile.open(seed);
  for (const k of st.names()) tensors[k] = { shape: [...st.info(k)!.shape], data: await st.readFloat32(k) };
  await st.close();
  tensors['unet.up_blocks.9.attentions.0.transformer_blocks.0.attn1.to_q.lora.down.weight'] = down;
  tensors['unet.up_blocks.9.attentions.0.transformer_blocks.0.attn1.to_q.lora.up.weight'] = up;
  writeSafetensors(partial, tensors);
  const r = await merger.patch([{ file: partial, strength: 1 }]);
  assert.ok(r.report.touched.length > 0);
  assert.equal(r.report.warnings.length, 1);
  assert.match(r.report.warnings[0]!, /2 keys match no weight.*up_blocks\.9\.attentions\.0\.transformer_blocks\.0\.attn1\.to_q\.lora\.down\.weight/);
});
