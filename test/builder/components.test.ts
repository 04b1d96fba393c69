/**
 * Every built component against torch, on the tiny replicas' weights (test/fixtures/builder, written
 * by tools/tiny-sd/builder_refs.py) and the shared reference inputs/outputs (test/fixtures/reference):
 * SD1.5 all float32 weights; SDXL text encoders float32, UNet and VAE stored float16 (the reference is
 * torch float32 math on the float16-rounded weights, so the float16→float32 conversion is exact and
 * the same 1e-4 holds). Both attention implementations are checked. The float16 graph option is
 * checked at float16 tolerance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildTextEncoder, buildUnet, buildVaeDecoder, buildVaeEncoder, type GraphBuilder } from '../../packages/nodes/src/builder/index.ts';
import type { ComponentOptions } from '../../packages/nodes/src/builder/layers.ts';
import { toFloat32 } from '../helpers/safetensors-lite.ts';
import { relativeError } from '../pipeline/harness.ts';
import { expected, feeds, fixtureComponent, session, values } from './harness.ts';

const TOL = 1e-4;
type Build = (c: Awaited<ReturnType<typeof fixtureComponent>>, o: ComponentOptions) => GraphBuilder;
const CASES: [pipeline: string, component: string, folder: string, build: Build][] = [
  ['tiny-sd15', 'text_encoder', 'text_encoder', (c, o) => buildTextEncoder(c.config, c.weights, 'text_encoder', o)],
  ['tiny-sdxl', 'text_encoder', 'text_encoder', (c, o) => buildTextEncoder(c.config, c.weights, 'text_encoder', o)],
  ['tiny-sdxl', 'text_encoder_2', 'text_encoder_2', (c, o) => buildTextEncoder(c.config, c.weights, 'text_encoder_2', o)],
  ['tiny-sd15', 'unet', 'unet', (c, o) => buildUnet(c.config, c.weights, o)],
  ['tiny-sdxl', 'unet', 'unet', (c, o) => buildUnet(c.config, c.weights, o)],
  ['tiny-sd15', 'vae_decoder', 'vae', (c, o) => buildVaeDecoder(c.config, c.weights, o)],
  ['tiny-sd15', 'vae_encoder', 'vae', (c, o) => buildVaeEncoder(c.config, c.weights, o)],
  ['tiny-sdxl', 'vae_decoder', 'vae', (c, o) => buildVaeDecoder(c.config, c.weights, o)],
  ['tiny-sdxl', 'vae_encoder', 'vae', (c, o) => buildVaeEncoder(c.config, c.weights, o)],
];

/** Runs the built component on the reference inputs; returns relative error per compared output. */
async function errors(pipeline: string, component: string, folder: string, build: Build, options: ComponentOptions): Promise<Map<string, number>> {
  const c = await fixtureComponent(`${pipeline}/${folder}`);
  try {
    const { session: s } = await session(build(c, options));
    const out = await s.run(feeds(s, pipeline, component));
    await s.release();
    const refs = expected(pipeline);
    const result = new Map<string, number>();
    for (const name of s.outputNames) {
      const ref = refs.get(`${component}.${name}`);
      if (ref) result.set(name, relativeError(values(out[name]!), toFloat32(ref)));
    }
    return result;
  } finally {
    await c.weights.close();
  }
}

for (const [pipeline, component, folder, build] of CASES) {
  for (const attention of ['mha', 'matmul'] as const) {
    test(`built ${pipeline} ${component} (${attention} attention) matches torch within ${TOL}`, async () => {
      const errs = await errors(pipeline, component, folder, build, { attention });
      assert.ok(errs.size >= 1, 'no reference output compared');
      for (const [name, err] of errs) assert.ok(err < TOL, `${name}: relative error ${err}`);
    });
  }
}

test('built text encoders expose every hidden_states.N output (SD1.5 too, for CLIP skip)', async () => {
  const c = await fixtureComponent('tiny-sd15/text_encoder');
  const { session: s } = await session(buildTextEncoder(c.config, c.weights));
  assert.deepEqual(s.outputNames, ['last_hidden_state', 'pooler_output', 'hidden_states.0', 'hidden_states.1', 'hidden_states.2']);
  assert.deepEqual(s.inputNames, ['input_ids']);
  await s.release();
  await c.weights.close();
});

// float16 graphs (the GPU option) run on the CPU through onnxruntime's inserted casts; their error is
// float16 rounding of weights and activations: measured 3e-4 … 1.5e-3 relative on these models
// (largest: the SD1.5 VAE decoder), checked at 5e-3.
const FP16_TOL = 5e-3;
for (const [pipeline, component, folder, build] of CASES) {
  test(`float16 graph of ${pipeline} ${component} matches torch within float16 rounding (${FP16_TOL})`, async () => {
    const errs = await errors(pipeline, component, folder, build, { fp16: true });
    for (const [name, err] of errs) assert.ok(err < FP16_TOL, `${name}: relative error ${err}`);
  });
}

test('an inpainting UNet (9 input channels) takes its input width from conv_in', async () => {
  // tiny-sd15's UNet with conv_in widened by 5 zero-weight channels (mask + masked-image latents):
  // whatever those channels hold, the output is the base UNet's.
  const c = await fixtureComponent('tiny-sd15/unet');
  const base = c.weights;
  const [out, inC, kh, kw] = base.info('conv_in.weight')!.shape as [number, number, number, number];
  const weights = {
    ...base,
    info: (name: string) => (name === 'conv_in.weight' ? { name, dtype: 'F32' as const, shape: [out, 9, kh, kw] } : base.info(name)),
    readFloat32: async (name: string) => {
      const w = await base.readFloat32(name);
      if (name !== 'conv_in.weight') return w;
      const wide = new Float32Array(out * 9 * kh * kw);
      for (let o = 0; o < out; o++) wide.set(w.subarray(o * inC * kh * kw, (o + 1) * inC * kh * kw), o * 9 * kh * kw);
      return wide;
    },
  };
  const { session: s } = await session(buildUnet(c.config, weights));
  const meta = s.inputMetadata[0]!;
  assert.ok(meta.isTensor);
  assert.deepEqual(meta.shape, ['batch_size', 9, 'height', 'width']);
  const f = feeds(s, 'tiny-sd15', 'unet');
  const sample = f.sample!.data as Float32Array;
  const nine = new Float32Array(2 * 9 * 64);
  for (let b = 0; b < 2; b++) {
    nine.set(sample.subarray(b * 4 * 64, (b + 1) * 4 * 64), b * 9 * 64);
    nine.fill(0.7, b * 9 * 64 + 4 * 64, (b + 1) * 9 * 64);
  }
  const result = await s.run({ ...f, sample: new ort.Tensor('float32', nine, [2, 9, 8, 8]) });
  const err = relativeError(values(result.out_sample!), toFloat32(expected('tiny-sd15').get('unet.out_sample')!));
  assert.ok(err < TOL, `relative error ${err}`);
  await s.release();
  await base.close();
});
