/**
 * Fixture test for the tiny Stable Diffusion models (tools/tiny-sd, issue 3).
 *
 * - Every .onnx fixture loads in onnxruntime-node and its inputs/outputs match the REAL exporters'
 *   contracts, written down here (diffusers' scripts/convert_stable_diffusion_checkpoint_to_onnx.py and
 *   Optimum's ONNX export of Stable Diffusion), not read from the fixtures.
 * - Each model runs once on the reference inputs and matches the torch fp32 outputs (base.safetensors).
 * - LoRA files follow the documented key formats (diffusers `lora_conversion_utils.py`) and change the outputs measurably.
 * - Tokenizer files have the real CLIP layout (checked against the bundled real vocab, packages/nodes/data/tokenizers),
 *   and configs carry the real values (test/fixtures/upstream, copied from the public SD1.4 / SDXL repositories).
 * - tools/tiny-sd/manifest.json matches every generated file, and the total stays under 48 MB.
 * This file is long (one contract table plus its checks) because the contracts must stay in one place.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { bundledTokenizerDir } from '@loom/nodes';
import { halfToFloat, readSafetensors, toFloat32, type LiteFile, type LiteTensor } from './helpers/safetensors-lite.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const UPSTREAM = fileURLToPath(new URL('fixtures/upstream/', import.meta.url));
const at = (rel: string): string => join(ROOT, rel);
const json = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

type OrtType = 'float32' | 'float16' | 'int64' | 'int32' | 'bool';
interface Port {
  name: string;
  type: OrtType;
  rank: number;
}
interface Contract {
  inputs: Port[];
  outputs: Port[];
  axes?: Record<string, (string | null)[]>;
}
const p = (name: string, rank: number, type: OrtType = 'float32'): Port => ({ name, type, rank });
/** Dynamic-axis names of the inputs as each exporter declares them (null: a fixed size). */
const OPT_AXES: Record<string, (string | null)[]> = {
  input_ids: ['batch_size', 'sequence_length'],
  sample: ['batch_size', null, 'height', 'width'],
  timestep: ['steps'],
  encoder_hidden_states: ['batch_size', 'sequence_length', null],
  text_embeds: ['batch_size', null],
  time_ids: ['batch_size', null],
  latent_sample: ['batch_size', null, 'height_latent', 'width_latent'],
};
const SCRIPT_AXES: Record<string, (string | null)[]> = {
  input_ids: ['batch', 'sequence'],
  sample: ['batch', 'channels', 'height', 'width'],
  timestep: ['batch'],
  encoder_hidden_states: ['batch', 'sequence', null],
  latent_sample: ['batch', 'channels', 'height', 'width'],
  clip_input: ['batch', 'channels', 'height', 'width'],
  images: ['batch', 'height', 'width', 'channels'],
};

// ---- contracts of the real exporters ------------------------------------------------------------
/** Optimum CLIPTextOnnxConfig / CLIPTextWithProjectionOnnxConfig: hidden_states.0..num_layers for SDXL. */
const hiddenStates = (layers: number | null): Port[] => (layers === null ? [] : Array.from({ length: layers + 1 }, (_, i) => p(`hidden_states.${i}`, 3)));
const OPTIMUM = {
  textEncoder: (layers: number | null): Contract => ({
    axes: OPT_AXES,
    inputs: [p('input_ids', 2, 'int64')],
    outputs: [p('last_hidden_state', 3), p('pooler_output', 2), ...hiddenStates(layers)],
  }),
  textEncoder2: (layers: number): Contract => ({
    axes: OPT_AXES,
    inputs: [p('input_ids', 2, 'int64')],
    outputs: [p('text_embeds', 2), p('last_hidden_state', 3), ...hiddenStates(layers)],
  }),
  /** Optimum 1.6-1.23: int64 timestep [batch]. */
  unetInt64: { axes: OPT_AXES, inputs: [p('sample', 4), p('timestep', 1, 'int64'), p('encoder_hidden_states', 3)], outputs: [p('out_sample', 4)] },
  /** Optimum >= 1.24 SDXL: float scalar timestep, text_embeds and time_ids. */
  unetSdxl: {
    axes: OPT_AXES,
    inputs: [p('sample', 4), p('timestep', 0), p('encoder_hidden_states', 3), p('text_embeds', 2), p('time_ids', 2)],
    outputs: [p('out_sample', 4)],
  },
  vaeEncoder: { axes: OPT_AXES, inputs: [p('sample', 4)], outputs: [p('latent_parameters', 4)] },
  vaeDecoder: { axes: OPT_AXES, inputs: [p('latent_sample', 4)], outputs: [p('sample', 4)] },
} satisfies Record<string, Contract | ((n: number) => Contract) | ((n: number | null) => Contract)>;
const SCRIPT = {
  textEncoder: { axes: SCRIPT_AXES, inputs: [p('input_ids', 2, 'int32')], outputs: [p('last_hidden_state', 3), p('pooler_output', 2)] },
  unet: { axes: SCRIPT_AXES, inputs: [p('sample', 4), p('timestep', 1), p('encoder_hidden_states', 3)], outputs: [p('out_sample', 4)] },
  vaeEncoder: { axes: SCRIPT_AXES, inputs: [p('sample', 4)], outputs: [p('latent_sample', 4)] },
  vaeDecoder: { axes: SCRIPT_AXES, inputs: [p('latent_sample', 4)], outputs: [p('sample', 4)] },
  safetyChecker: {
    axes: SCRIPT_AXES,
    inputs: [p('clip_input', 4), p('images', 4)],
    outputs: [p('out_images', 4), p('has_nsfw_concepts', 1, 'bool')],
  },
} satisfies Record<string, Contract>;
/** SD1.4's ONNX revision (diffusers 0.6 script, `torch.LongTensor` timestep). */
const DIFFUSERS_06_UNET: Contract = { ...SCRIPT.unet, inputs: [p('sample', 4), p('timestep', 1, 'int64'), p('encoder_hidden_states', 3)] };
/** fp16 Optimum exports: every float port becomes float16. */
const half = (c: Contract): Contract => {
  const f = (x: Port): Port => (x.type === 'float32' ? { ...x, type: 'float16' } : x);
  return { ...c, inputs: c.inputs.map(f), outputs: c.outputs.map(f) };
};
/** Our upscaler (ComfyUI loads .pth; there is no exporter contract): image in 0..1 -> 4x image. */
const UPSCALER: Contract = { inputs: [p('image', 4)], outputs: [p('upscaled', 4)] };

const layers = (dir: string): number => (json(at(`${dir}/config.json`)) as { num_hidden_layers: number }).num_hidden_layers;

interface Fixture {
  model: string;
  contract: Contract;
  pipeline: string;
  component: string;
  tolerance: number;
}
const F32_TOL = 1e-4;
const F16_TOL = 5e-3; // float16 arithmetic (10-bit mantissa) against fp32 torch math on fp16-rounded weights
const FIXTURES: Fixture[] = [
  { model: 'models/tiny-sd15/text_encoder', contract: OPTIMUM.textEncoder(null), pipeline: 'tiny-sd15', component: 'text_encoder', tolerance: F32_TOL },
  { model: 'models/tiny-sd15/unet', contract: OPTIMUM.unetInt64, pipeline: 'tiny-sd15', component: 'unet', tolerance: F32_TOL },
  { model: 'models/tiny-sd15/vae_encoder', contract: OPTIMUM.vaeEncoder, pipeline: 'tiny-sd15', component: 'vae_encoder', tolerance: F32_TOL },
  { model: 'models/tiny-sd15/vae_decoder', contract: OPTIMUM.vaeDecoder, pipeline: 'tiny-sd15', component: 'vae_decoder', tolerance: F32_TOL },
  {
    model: 'models/tiny-sdxl/text_encoder',
    contract: OPTIMUM.textEncoder(layers('models/tiny-sdxl/text_encoder')),
    pipeline: 'tiny-sdxl',
    component: 'text_encoder',
    tolerance: F32_TOL,
  },
  {
    model: 'models/tiny-sdxl/text_encoder_2',
    contract: OPTIMUM.textEncoder2(layers('models/tiny-sdxl/text_encoder_2')),
    pipeline: 'tiny-sdxl',
    component: 'text_encoder_2',
    tolerance: F32_TOL,
  },
  { model: 'models/tiny-sdxl/unet', contract: OPTIMUM.unetSdxl, pipeline: 'tiny-sdxl', component: 'unet', tolerance: F32_TOL },
  { model: 'models/tiny-sdxl/vae_encoder', contract: OPTIMUM.vaeEncoder, pipeline: 'tiny-sdxl', component: 'vae_encoder', tolerance: F32_TOL },
  { model: 'models/tiny-sdxl/vae_decoder', contract: OPTIMUM.vaeDecoder, pipeline: 'tiny-sdxl', component: 'vae_decoder', tolerance: F32_TOL },
  {
    model: 'test/fixtures/tiny-sd15-script/text_encoder',
    contract: SCRIPT.textEncoder,
    pipeline: 'tiny-sd15-script',
    component: 'text_encoder',
    tolerance: F32_TOL,
  },
  { model: 'test/fixtures/tiny-sd15-script/unet', contract: SCRIPT.unet, pipeline: 'tiny-sd15-script', component: 'unet', tolerance: F32_TOL },
  {
    model: 'test/fixtures/tiny-sd15-script/vae_encoder',
    contract: SCRIPT.vaeEncoder,
    pipeline: 'tiny-sd15-script',
    component: 'vae_encoder',
    tolerance: F32_TOL,
  },
  {
    model: 'test/fixtures/tiny-sd15-script/vae_decoder',
    contract: SCRIPT.vaeDecoder,
    pipeline: 'tiny-sd15-script',
    component: 'vae_decoder',
    tolerance: F32_TOL,
  },
  {
    model: 'test/fixtures/tiny-sd15-script/safety_checker',
    contract: SCRIPT.safetyChecker,
    pipeline: 'tiny-sd15-script',
    component: 'safety_checker',
    tolerance: F32_TOL,
  },
  { model: 'models/safety_checker', contract: SCRIPT.safetyChecker, pipeline: 'tiny-sd15-script', component: 'safety_checker', tolerance: F32_TOL },
  {
    model: 'test/fixtures/tiny-sd15-fp16/text_encoder',
    contract: half(OPTIMUM.textEncoder(null)),
    pipeline: 'tiny-sd15-fp16',
    component: 'text_encoder',
    tolerance: F16_TOL,
  },
  { model: 'test/fixtures/tiny-sd15-fp16/unet', contract: half(OPTIMUM.unetInt64), pipeline: 'tiny-sd15-fp16', component: 'unet', tolerance: F16_TOL },
  {
    model: 'test/fixtures/tiny-sd15-fp16/vae_encoder',
    contract: half(OPTIMUM.vaeEncoder),
    pipeline: 'tiny-sd15-fp16',
    component: 'vae_encoder',
    tolerance: F16_TOL,
  },
  {
    model: 'test/fixtures/tiny-sd15-fp16/vae_decoder',
    contract: half(OPTIMUM.vaeDecoder),
    pipeline: 'tiny-sd15-fp16',
    component: 'vae_decoder',
    tolerance: F16_TOL,
  },
  // same weights as tiny-sd15's UNet, so it must reproduce tiny-sd15's reference
  { model: 'test/fixtures/tiny-unet-external/unet', contract: DIFFUSERS_06_UNET, pipeline: 'tiny-sd15', component: 'unet', tolerance: F32_TOL },
  { model: 'models/upscale_models/tiny-esrgan-4x.onnx', contract: UPSCALER, pipeline: 'tiny-esrgan-4x', component: 'upscaler', tolerance: F32_TOL },
];

const modelPath = (m: string): string => (m.endsWith('.onnx') ? at(m) : at(`${m}/model.onnx`));
const refDir = (pipeline: string): string => at(`test/fixtures/reference/${pipeline}`);
const loaded = new Map<string, LiteFile>();
const ref = (path: string): LiteFile => {
  const hit = loaded.get(path) ?? readSafetensors(path);
  loaded.set(path, hit);
  return hit;
};
const tensorOf = (file: LiteFile, key: string): LiteTensor => {
  const t = file.tensors.get(key);
  assert.ok(t, `missing reference tensor ${key}`);
  return t;
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

/** Builds the ORT feed in the dtype the session declares (F16 refs feed float16 as raw halves). */
function toOrt(t: LiteTensor, type: OrtType): ort.Tensor {
  const b = t.bytes.buffer;
  if (type === 'int64') return new ort.Tensor('int64', new BigInt64Array(b, t.bytes.byteOffset, t.bytes.byteLength / 8), t.shape);
  if (type === 'int32') return new ort.Tensor('int32', new Int32Array(b, t.bytes.byteOffset, t.bytes.byteLength / 4), t.shape);
  if (type === 'float16') {
    assert.equal(t.dtype, 'F16', 'fp16 models take F16 reference inputs');
    return new ort.Tensor('float16', new Uint16Array(b, t.bytes.byteOffset, t.bytes.byteLength / 2), t.shape);
  }
  return new ort.Tensor('float32', toFloat32(t), t.shape);
}

/** Output values as float32 (float16 halves decoded, bools as 0/1). */
function floats(v: ort.Tensor): Float32Array {
  if (v.type === 'float16') return Float32Array.from(v.data as Uint16Array, (h) => halfToFloat(h));
  if (v.type === 'bool') return Float32Array.from(v.data as Uint8Array, (x) => (x ? 1 : 0));
  return v.data as Float32Array;
}

/** max |a - e| / max |e|: relative error normalised by the reference's scale. */
function relErr(a: Float32Array, e: Float32Array): number {
  assert.equal(a.length, e.length);
  let num = 0;
  let den = 1e-12;
  for (let i = 0; i < e.length; i++) {
    num = Math.max(num, Math.abs((a[i] ?? 0) - (e[i] ?? 0)));
    den = Math.max(den, Math.abs(e[i] ?? 0));
  }
  return num / den;
}

async function session(model: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelPath(model), { intraOpNumThreads: 1 });
}

function checkContract(s: ort.InferenceSession, c: Contract, label: string): void {
  const meta = (list: readonly ort.InferenceSession.ValueMetadata[]): Port[] =>
    list.map((m) => {
      assert.ok(m.isTensor, `${label}: ${m.name} is not a tensor`);
      return { name: m.name, type: m.type as OrtType, rank: m.shape.length };
    });
  assert.deepEqual(meta(s.inputMetadata), c.inputs, `${label}: inputs`);
  assert.deepEqual(meta(s.outputMetadata), c.outputs, `${label}: outputs`);
  for (const m of s.inputMetadata) {
    const expected = c.axes?.[m.name];
    if (!expected || !m.isTensor) continue;
    const actual = m.shape.map((d) => (typeof d === 'string' ? d : null));
    assert.deepEqual(actual, m.name === 'timestep' && m.shape.length === 0 ? [] : expected, `${label}: ${m.name} axes`);
  }
}

for (const fx of FIXTURES) {
  test(`${fx.model}: real exporter contract, and outputs match the torch reference`, async () => {
    const s = await session(fx.model);
    checkContract(s, fx.contract, fx.model);
    const inputs = ref(`${refDir(fx.pipeline)}/inputs.safetensors`);
    const base = ref(`${refDir(fx.pipeline)}/base.safetensors`);
    // diffusers calls the safety checker one image at a time (its export bakes batch 1 into the masking)
    const batches = fx.component === 'safety_checker' ? (tensorOf(inputs, 'safety_checker.images').shape[0] ?? 1) : 1;
    const outputs: Record<string, Float32Array[]> = {};
    for (let i = 0; i < batches; i++) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const port of fx.contract.inputs) {
        const t = tensorOf(inputs, `${fx.component}.${port.name}`);
        feeds[port.name] = toOrt(batches > 1 ? sliceBatch(t, i) : t, port.type);
      }
      const out = await s.run(feeds);
      for (const port of fx.contract.outputs) {
        const value = out[port.name];
        assert.ok(value, `${fx.model}: no output ${port.name}`);
        (outputs[port.name] ??= []).push(floats(value));
        if (batches === 1 && !(fx.component === 'vae_encoder' && port.name === 'latent_sample')) {
          assert.deepEqual([...value.dims], tensorOf(base, `${fx.component}.${port.name}`).shape, `${port.name} shape`);
        }
      }
    }
    for (const port of fx.contract.outputs) {
      const actual = concat(outputs[port.name] ?? []);
      if (fx.component === 'vae_encoder' && port.name === 'latent_sample') {
        checkSampledLatent(actual, base);
        continue;
      }
      const err = relErr(actual, toFloat32OrBool(tensorOf(base, `${fx.component}.${port.name}`)));
      assert.ok(err <= fx.tolerance, `${fx.model} ${port.name}: relative error ${err} > ${fx.tolerance}`);
    }
  });
}

/** Item `i` of the batch (axis 0) as a batch of one. */
function sliceBatch(t: LiteTensor, i: number): LiteTensor {
  const per = t.bytes.byteLength / (t.shape[0] ?? 1);
  return { dtype: t.dtype, shape: [1, ...t.shape.slice(1)], bytes: t.bytes.slice(i * per, (i + 1) * per) };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

function toFloat32OrBool(t: LiteTensor): Float32Array {
  return t.dtype === 'BOOL' ? Float32Array.from(t.bytes, (x) => (x ? 1 : 0)) : toFloat32(t);
}

/** The script's encoder samples N(mean, std) in-graph: check the draw is plausible for that distribution. */
function checkSampledLatent(draw: Float32Array, base: LiteFile): void {
  const mean = toFloat32(tensorOf(base, 'vae_encoder.latent_sample_mean'));
  const std = toFloat32(tensorOf(base, 'vae_encoder.latent_sample_std'));
  assert.equal(draw.length, mean.length);
  let sq = 0;
  for (let i = 0; i < draw.length; i++) {
    const z = ((draw[i] ?? 0) - (mean[i] ?? 0)) / (std[i] ?? 1);
    assert.ok(Math.abs(z) < 6, `latent_sample z-score ${z}`);
    sq += z * z;
  }
  // E[z^2] = 1; over 256 draws its standard deviation is sqrt(2/256) ~ 0.09
  assert.ok(Math.abs(sq / draw.length - 1) < 0.5, `mean z^2 ${sq / draw.length}`);
}

test('safety checker: the documented colour rule in trigger.json holds for solid colours', async () => {
  const trigger = json(at('models/safety_checker/trigger.json')) as {
    image_mean: number[];
    image_std: number[];
    examples: { rgb: number[]; flagged: boolean }[];
  };
  const s = await session('models/safety_checker');
  for (const ex of trigger.examples) {
    const plane = 224 * 224;
    const clip = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) clip.fill(((ex.rgb[c] ?? 0) - (trigger.image_mean[c] ?? 0)) / (trigger.image_std[c] ?? 1), c * plane, (c + 1) * plane);
    const images = new Float32Array(8 * 8 * 3).fill(0.5);
    const out = await s.run({
      clip_input: new ort.Tensor('float32', clip, [1, 3, 224, 224]),
      images: new ort.Tensor('float32', images, [1, 8, 8, 3]),
    });
    const flag = out.has_nsfw_concepts;
    const img = out.out_images;
    assert.ok(flag && img);
    assert.equal(Boolean((flag.data as Uint8Array)[0]), ex.flagged, `rgb ${ex.rgb.join(',')}`);
    // diffusers forward_onnx blacks out flagged images and passes the others through
    const expected = ex.flagged ? 0 : 0.5;
    assert.ok((img.data as Float32Array).every((v) => v === expected));
  }
});

test('ONNX graphs carry the real torch export names (module-scoped nodes, onnx::MatMul initializers)', () => {
  const has = (model: string, needle: string): boolean => readFileSync(modelPath(model)).includes(needle);
  const sd15 = 'models/tiny-sd15/unet';
  assert.ok(has(sd15, '/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul'));
  assert.ok(has(sd15, '/down_blocks.0/attentions.0/transformer_blocks.0/attn2/to_out.0/MatMul'));
  assert.ok(has(sd15, '/down_blocks.0/attentions.0/proj_in/Conv'), 'SD1.5 proj_in is a 1x1 conv');
  assert.ok(has(sd15, 'onnx::MatMul_'));
  assert.ok(has(sd15, 'down_blocks.0.resnets.0.conv1.weight'));
  assert.ok(has('models/tiny-sdxl/unet', '/down_blocks.1/attentions.0/proj_in/MatMul'), 'SDXL proj_in is linear');
  assert.ok(has('models/tiny-sdxl/unet', '/down_blocks.2/attentions.0/transformer_blocks.1/attn1/to_q/MatMul'));
  assert.ok(has('models/tiny-sdxl/text_encoder_2', '/text_model/encoder/layers.0/self_attn/q_proj/MatMul'));
  assert.ok(has('models/tiny-sd15/text_encoder', '/text_model/encoder/layers.1/mlp/fc1/MatMul'));
});

test('external data: one weights.pb for the script UNet, one file per tensor for the >2 GB style UNet', () => {
  const script = readdirSync(at('test/fixtures/tiny-sd15-script/unet')).sort();
  assert.deepEqual(script, ['model.onnx', 'weights.pb']);
  assert.ok(readFileSync(at('test/fixtures/tiny-sd15-script/unet/model.onnx')).includes('weights.pb'));
  const ext = readdirSync(at('test/fixtures/tiny-unet-external/unet'));
  assert.ok(
    ext.some((n) => /^onnx__MatMul_\d+$/.test(n)),
    'torch writes onnx::MatMul_N as onnx__MatMul_N',
  );
  assert.ok(ext.includes('down_blocks.0.resnets.0.conv1.weight'));
});

// ---- LoRA fixtures ----------------------------------------------------------------------------------
interface IndexEntry {
  file: string;
  pipeline: string;
  model_dir: string;
  inputs: string;
  keys: string[];
  lora: string | null;
  format: string | null;
  rank: number | null;
  strength: number | null;
  dtype: string;
  lora_components?: string[];
}
const INDEX = json(at('test/fixtures/reference/index.json')) as { files: IndexEntry[] };

const TE = String.raw`text_encoder(_2)?\.text_model\.encoder\.layers\.\d+\.(self_attn\.(q|k|v|out)_proj|mlp\.fc[12])`;
const UNET = String.raw`(down_blocks|mid_block|up_blocks)\.[\w.]+`;
/** Key grammar of each format (diffusers `state_dict_utils.py`), written from the sources, not from the files. */
const FORMATS: Record<string, RegExp> = {
  seed: new RegExp(String.raw`^(unet\.${UNET}\.(to_q|to_k|to_v|to_out\.0)\.lora\.(down|up)|${TE}\.lora_linear_layer\.(down|up))\.weight$`),
  attnproc: new RegExp(
    String.raw`^((unet\.)?${UNET}\.attn[12]\.processor\.(to_q|to_k|to_v|to_out)_lora\.(down|up)|${TE}\.lora_linear_layer\.(down|up))\.weight$`,
  ),
  'peft-ab': new RegExp(String.raw`^(unet\.${UNET}|${TE})\.lora_[AB]\.weight$`),
  'peft-updown': new RegExp(String.raw`^(unet\.${UNET}\.lora\.(down|up)|${TE}\.lora_linear_layer\.(down|up))\.weight$`),
  kohya: /^lora_(unet|te|te1|te2)_[a-z0-9_]+\.(lora_down\.weight|lora_up\.weight|alpha)$/,
};
const DTYPES: Record<string, Record<number, string>> = {
  seed: { 4: 'F32', 8: 'F32', 16: 'F32' },
  attnproc: { 4: 'F16', 8: 'F16', 16: 'F16' },
  'peft-ab': { 4: 'BF16', 8: 'BF16', 16: 'BF16' },
  'peft-updown': { 4: 'F32', 8: 'F32', 16: 'F32' },
  kohya: { 4: 'F16', 8: 'BF16', 16: 'F32' },
};

for (const flavour of ['sd15', 'sdxl']) {
  test(`LoRA files (${flavour}): key formats, dtypes, ranks, metadata, and coverage of every layer family`, () => {
    const seen = new Set<string>();
    for (const fmt of Object.keys(FORMATS)) {
      for (const rank of [4, 8, 16]) {
        const path =
          fmt === 'seed'
            ? at(`models/loras/tiny-${flavour}/pytorch_lora_weights_${rank}.safetensors`)
            : at(`test/fixtures/loras/${flavour}/${fmt}/pytorch_lora_weights_${rank}.safetensors`);
        const file = readSafetensors(path);
        const grammar = FORMATS[fmt];
        assert.ok(grammar);
        for (const [key, t] of file.tensors) {
          assert.match(key, grammar, `${path}: ${key}`);
          seen.add(key.replace(/\.(lora|processor|lora_linear_layer)\b.*$|\.lora_[AB]\.weight$|\.(lora_down|lora_up)\.weight$|\.alpha$/, ''));
          assert.equal(t.dtype, DTYPES[fmt]?.[rank], `${key} dtype`);
          if (key.endsWith('.alpha')) assert.deepEqual(t.shape, [], 'kohya alpha is a 0-d tensor');
          else if (/(\.down\.weight|lora_down\.weight|lora_A\.weight)$/.test(key)) assert.equal(t.shape[0], rank, `${key}: down is [rank, in]`);
          else assert.equal(t.shape[1], rank, `${key}: up is [out, rank]`);
        }
        if (fmt === 'kohya') {
          assert.ok(file.metadata.ss_network_dim === String(rank));
          if (flavour === 'sdxl') assert.ok([...file.tensors.keys()].some((k) => k.startsWith('lora_unet_input_blocks_')));
          if (flavour === 'sdxl') assert.ok([...file.tensors.keys()].some((k) => k.startsWith('lora_te2_')));
        } else {
          assert.deepEqual(file.metadata, { format: 'pt' });
        }
      }
    }
    const all = [...seen].join('\n');
    for (const family of [
      /to_q/,
      /to_out/,
      /ff[._]net[._]0[._]proj/,
      /ff[._]net[._]2/,
      /proj_in/,
      /proj_out/,
      /q_proj/,
      /out_proj/,
      /mlp[._]fc1/,
      /mlp[._]fc2/,
    ])
      assert.match(all, family, `${flavour}: no LoRA on ${family}`);
  });
}

test('LoHa fixture uses LyCORIS hada_* keys (to be rejected by name)', () => {
  const keys = [...readSafetensors(at('test/fixtures/loras/sd15/loha/loha.safetensors')).tensors.keys()];
  assert.ok(keys.some((k) => k.endsWith('.hada_w1_a')) && keys.some((k) => k.endsWith('.hada_w2_b')));
});

test('LoRA references: every listed file exists and each LoRA changes its outputs measurably (> 1e-2)', () => {
  const lora = INDEX.files.filter((f) => f.lora !== null);
  assert.equal(lora.length, 2 * 5 * 3 * 2, 'pipelines x formats x ranks x strengths');
  for (const entry of lora) {
    assert.ok(entry.lora && existsSync(at(entry.lora)), `${entry.file}: LoRA file`);
    const base = ref(at(`test/fixtures/reference/${entry.pipeline}/base.safetensors`));
    const merged = ref(at(entry.file));
    assert.deepEqual([...merged.tensors.keys()].sort(), entry.keys);
    for (const key of entry.keys) {
      const component = key.split('.')[0] ?? '';
      if (!(entry.lora_components ?? []).includes(component)) continue;
      const change = relErr(toFloat32(tensorOf(merged, key)), toFloat32(tensorOf(base, key)));
      assert.ok(change > 1e-2 && change < 5, `${entry.file} ${key}: relative change ${change}`);
    }
  }
});

// ---- tokenizers, configs ---------------------------------------------------------------------------
test('tokenizers have the real CLIP vocab.json / merges.txt layout', () => {
  const real = json(join(bundledTokenizerDir('clip-vit-large-patch14'), 'vocab.json')) as Record<string, number>;
  for (const dir of [
    'models/tiny-sd15/tokenizer',
    'models/tiny-sdxl/tokenizer',
    'models/tiny-sdxl/tokenizer_2',
    'test/fixtures/tiny-sd15-script/tokenizer',
    'test/fixtures/tiny-sd15-fp16/tokenizer',
  ]) {
    const vocab = json(at(`${dir}/vocab.json`)) as Record<string, number>;
    const size = Object.keys(vocab).length;
    // the 512 byte-level tokens carry the same ids as in the real 49,408-token vocabulary
    for (const [tok, id] of Object.entries(real)) if (id < 512) assert.equal(vocab[tok], id, `${dir}: ${tok}`);
    assert.equal(vocab['<|startoftext|>'], size - 2);
    assert.equal(vocab['<|endoftext|>'], size - 1);
    const lines = readFileSync(at(`${dir}/merges.txt`), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);
    assert.equal(lines[0], '#version: 0.2');
    assert.equal(lines.length - 1, size - 514, 'one vocab entry per merge');
    lines.slice(1).forEach((l, i) => assert.equal(vocab[l.replace(' ', '')], 512 + i, l));
    const cfg = json(at(`${dir}/tokenizer_config.json`)) as { model_max_length: number; pad_token: string };
    assert.equal(cfg.model_max_length, 77);
    const realDir = bundledTokenizerDir(dir.endsWith('_2') ? 'clip-vit-bigg-14' : 'clip-vit-large-patch14');
    const realPad = (json(join(realDir, 'special_tokens_map.json')) as { pad_token: string }).pad_token;
    assert.equal(cfg.pad_token, realPad);
    const te = dir.replace(/tokenizer(_2)?$/, dir.endsWith('_2') ? 'text_encoder_2' : 'text_encoder');
    if (existsSync(at(`${te}/config.json`))) assert.equal((json(at(`${te}/config.json`)) as { vocab_size: number }).vocab_size, size);
  }
});

test('scheduler and VAE configs carry the real SD1.5 / SDXL values', () => {
  const pairs: [string, string][] = [
    ['models/tiny-sd15/scheduler/scheduler_config.json', 'sd15-onnx-export/scheduler/scheduler_config.json'],
    ['models/tiny-sdxl/scheduler/scheduler_config.json', 'sdxl-base/scheduler/scheduler_config.json'],
  ];
  for (const [ours, real] of pairs) {
    const a = json(at(ours)) as Record<string, unknown>;
    const b = json(join(UPSTREAM, real)) as Record<string, unknown>;
    for (const [k, v] of Object.entries(b)) if (k !== '_diffusers_version') assert.deepEqual(a[k], v, `${ours}: ${k}`);
  }
  const scaling = (path: string): unknown => (json(path) as { scaling_factor: unknown }).scaling_factor;
  assert.equal(scaling(at('models/tiny-sd15/vae_decoder/config.json')), scaling(join(UPSTREAM, 'sd15-onnx-export/vae/config.json')));
  assert.equal(scaling(at('models/tiny-sdxl/vae_decoder/config.json')), scaling(join(UPSTREAM, 'sdxl-base/vae_decoder/config.json')));
  const pre = json(at('test/fixtures/tiny-sd15-script/feature_extractor/preprocessor_config.json'));
  assert.deepEqual(pre, json(join(UPSTREAM, 'sd15-onnx-export/feature_extractor/preprocessor_config.json')));
});

// ---- manifest ----------------------------------------------------------------------------------------
test('manifest: sha256 and size of every generated file; total under 48 MB', () => {
  const manifest = json(at('tools/tiny-sd/manifest.json')) as { files: Record<string, { sha256: string; bytes: number }> };
  const roots = ['models/tiny-sd15', 'models/tiny-sdxl', 'models/upscale_models', 'models/safety_checker', 'models/loras', 'test/fixtures'];
  // loom-tiny's LoRAs and checker renders share these folders but come from tools/loom-tiny, not this generator;
  // test/fixtures/upstream holds real configs copied from public repositories (its README);
  // latent_preview.json is fitted on the exported VAE by `npm run fit-preview` (checked in preview-factors.test.ts)
  const generated = (f: string): boolean => !f.includes('loom-tiny') && !f.startsWith('test/fixtures/upstream/') && !f.endsWith('/latent_preview.json');
  const onDisk = roots
    .flatMap((r) => walk(at(r)))
    .map((f) => f.slice(ROOT.length))
    .filter(generated)
    .sort();
  assert.deepEqual(onDisk, Object.keys(manifest.files).sort(), 'manifest lists exactly the generated files');
  let total = 0;
  for (const [rel, info] of Object.entries(manifest.files)) {
    const data = readFileSync(at(rel));
    assert.equal(data.length, info.bytes, rel);
    assert.equal(createHash('sha256').update(data).digest('hex'), info.sha256, rel);
    total += data.length;
  }
  // 28 MB of ONNX exports and LoRAs + 9.6 MB of issue 15's checkpoint layouts (test/fixtures/checkpoints)
  // + 5 MB of the graph builder's references (test/fixtures/builder)
  assert.ok(total < 48 * 1024 * 1024, `committed fixtures total ${total} bytes`);
});

test('every .onnx fixture on disk is covered by a contract above', () => {
  const roots = ['models/tiny-sd15', 'models/tiny-sdxl', 'models/upscale_models', 'models/safety_checker', 'test/fixtures'];
  const onnx = roots
    .flatMap((r) => walk(at(r)))
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => f.slice(ROOT.length))
    .sort();
  assert.deepEqual(onnx, FIXTURES.map((fx) => modelPath(fx.model).slice(ROOT.length)).sort());
});

/** Module paths of the MatMul / Conv nodes in a graph, read from the node names in the raw protobuf. */
function lorableModules(model: string): Set<string> {
  const text = readFileSync(modelPath(model)).toString('latin1');
  const names = text.match(/\/[A-Za-z0-9_./]+\/(MatMul|Conv)(?![A-Za-z0-9_])/g) ?? [];
  return new Set(
    names.map((n) =>
      n
        .slice(1)
        .replace(/\/(MatMul|Conv)$/, '')
        .replace(/\//g, '.'),
    ),
  );
}

/** diffusers' LDM -> diffusers block mapping for layers_per_block 2 (diffusers `lora_conversion_utils.py`), on kohya's flat names. */
function ldmToDiffusers(flat: string): string {
  return flat
    .replace(/^input_blocks_(\d+)_1_/, (_, i: string) => `down_blocks_${Math.floor((Number(i) - 1) / 3)}_attentions_${(Number(i) - 1) % 3}_`)
    .replace(/^middle_block_1_/, 'mid_block_attentions_0_')
    .replace(/^output_blocks_(\d+)_1_/, (_, i: string) => `up_blocks_${Math.floor(Number(i) / 3)}_attentions_${Number(i) % 3}_`);
}

/** (component, flat module name) a LoRA down-key adapts, or null for up/alpha keys. */
function targetOf(key: string): { component: string; flat: string } | null {
  const kohya = /^lora_(unet|te|te1|te2)_(.+)\.lora_down\.weight$/.exec(key);
  if (kohya) {
    const component = kohya[1] === 'unet' ? 'unet' : kohya[1] === 'te2' ? 'text_encoder_2' : 'text_encoder';
    return { component, flat: component === 'unet' ? ldmToDiffusers(kohya[2] ?? '') : (kohya[2] ?? '') };
  }
  const m =
    /^(?:(unet|text_encoder|text_encoder_2)\.)?(.+?)(?:\.lora\.down|\.lora_linear_layer\.down|\.lora_A|\.processor\.(to_[qkv]|to_out)_lora\.down)\.weight$/.exec(
      key,
    );
  if (!m) return null;
  const proc = m[3] === 'to_out' ? 'to_out.0' : m[3];
  const module = proc ? `${m[2]}.${proc}` : (m[2] ?? '');
  return { component: m[1] ?? 'unet', flat: module.replace(/\./g, '_') };
}

test('every LoRA key adapts a MatMul/Conv node that exists in the exported graph', () => {
  for (const [flavour, dir] of [
    ['sd15', 'models/tiny-sd15'],
    ['sdxl', 'models/tiny-sdxl'],
  ] as const) {
    const graphs = new Map<string, Set<string>>();
    const flatOf = (component: string): Set<string> => {
      const hit = graphs.get(component) ?? new Set([...lorableModules(`${dir}/${component}`)].map((m) => m.replace(/\./g, '_')));
      graphs.set(component, hit);
      return hit;
    };
    const files = [...walk(at(`models/loras/tiny-${flavour}`)), ...walk(at(`test/fixtures/loras/${flavour}`)).filter((f) => !f.includes('/loha/'))];
    for (const file of files) {
      let count = 0;
      for (const key of readSafetensors(file).tensors.keys()) {
        const target = targetOf(key);
        if (!target) continue;
        count++;
        assert.ok(flatOf(target.component).has(target.flat), `${file}: ${key} -> ${target.component} ${target.flat}`);
      }
      assert.ok(count > 0, `${file}: no LoRA pairs`);
    }
  }
});
