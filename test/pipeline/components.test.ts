/**
 * Each pipeline component, driven through Loom's own code paths, against the torch references of the
 * fixtures (test/fixtures/reference): tokenizer ids, text encodings (SD1.5 last_hidden_state; SDXL
 * penultimate states of both encoders + pooled), UNet noise prediction for every exporter's timestep
 * contract, and VAE decode/encode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectStore, type NodeContext } from '@loom/engine';
import { readPipeline, type Conditioning } from '@loom/nodes';
import { ClipTokenizer } from '../../packages/nodes/src/sd/tokenizer/index.ts';
import { openModel } from '../../packages/nodes/src/sd/model-session.ts';
import { predictNoise } from '../../packages/nodes/src/sd/unet.ts';
import { decodeLatents, encodeImages } from '../../packages/nodes/src/sd/vae.ts';
import { cachedSession } from '../../packages/nodes/src/runtime/session.ts';
import { toBigInt64 } from '../helpers/safetensors-lite.ts';
import { fixturesDir, modelsDir, reference, relativeError, tensor, tinyHost } from './harness.ts';

const prompts = (JSON.parse(readFileSync(join(fixturesDir, 'reference/index.json'), 'utf8')) as { prompts: Record<string, string[]> }).prompts;
const config = { modelsDir, outputDir: '', inputDir: '', tempDir: '', device: 'cpu' as const, threads: 1 };
const store = new ObjectStore(2 ** 32);
const ctx = { objects: store.forRun('test'), log: { info() {}, warn() {} }, throwIfCancelled() {} } as unknown as NodeContext;
const dirOf = (pipeline: string) => (pipeline.startsWith('tiny-sd15-') ? join(fixturesDir, pipeline) : join(modelsDir, pipeline));
const row = (data: Float32Array, rows: number, r: number) => data.subarray((data.length / rows) * r, (data.length / rows) * (r + 1));

test('the tokenizers produce the reference input_ids (SD1.5 pads with eos, SDXL tokenizer_2 with "!")', async () => {
  for (const [pipeline, component, dir] of [
    ['tiny-sd15', 'text_encoder', 'tokenizer'],
    ['tiny-sdxl', 'text_encoder', 'tokenizer'],
    ['tiny-sdxl', 'text_encoder_2', 'tokenizer_2'],
  ] as const) {
    const tokenizer = await ClipTokenizer.fromDir(join(modelsDir, pipeline, dir));
    const ids = toBigInt64(reference(pipeline, 'inputs').tensors.get(`${component}.input_ids`)!);
    (prompts[`${component}.input_ids`] ?? []).forEach((prompt, r) => {
      assert.deepEqual(tokenizer.encodePadded(prompt).map(BigInt), [...ids.subarray(r * 77, (r + 1) * 77)], `${pipeline} ${dir}: "${prompt}"`);
    });
  }
});

async function encode(pipeline: string, text: string): Promise<Conditioning> {
  const host = tinyHost();
  const result = await host.engine.run(
    {
      version: 1,
      nodes: {
        loader: { type: 'ModelLoader', inputs: { pipeline } },
        enc: { type: 'TextEncoder', inputs: { clip: { node: 'loader', output: 'clip' }, text } },
      },
    },
    { targets: ['enc'] },
  );
  return result.outputs.get('enc')?.conditioning as Conditioning;
}

test('TextEncoder (SD1.5) equals the torch last_hidden_state', async () => {
  const expected = tensor(reference('tiny-sd15', 'base'), 'text_encoder.last_hidden_state');
  for (const [r, prompt] of (prompts['text_encoder.input_ids'] ?? []).entries()) {
    const c = await encode('tiny-sd15', prompt);
    assert.equal(c.tokens, 77);
    assert.equal(c.dim, 32);
    assert.ok(relativeError(c.embeds, row(expected, 2, r)) < 1e-5, `prompt ${r}`);
  }
});

test('TextEncoder (SDXL) concatenates both penultimate hidden states and pools encoder 2', async () => {
  const base = reference('tiny-sdxl', 'base');
  // Tiny encoders: 2 and 3 layers, so hidden_states[-2] is hidden_states.1 and hidden_states.2.
  const first = tensor(base, 'text_encoder.hidden_states.1');
  const second = tensor(base, 'text_encoder_2.hidden_states.2');
  const pooled = tensor(base, 'text_encoder_2.text_embeds');
  for (const [r, prompt] of (prompts['text_encoder.input_ids'] ?? []).entries()) {
    const c = await encode('tiny-sdxl', prompt);
    assert.equal(c.dim, 32 + 48);
    const expected = new Float32Array(77 * 80);
    for (let t = 0; t < 77; t++) {
      expected.set(row(first, 2, r).subarray(t * 32, (t + 1) * 32), t * 80);
      expected.set(row(second, 2, r).subarray(t * 48, (t + 1) * 48), t * 80 + 32);
    }
    assert.ok(relativeError(c.embeds, expected) < 1e-5, `prompt ${r}`);
    assert.ok(relativeError(c.pooled!, row(pooled, 2, r)) < 1e-5);
  }
});

test('UNet noise prediction matches torch for every exporter contract (int64 [b], float [b], float scalar, fp16)', async () => {
  for (const [pipeline, tolerance] of [
    ['tiny-sd15', 1e-5],
    ['tiny-sd15-script', 1e-5],
    ['tiny-sdxl', 1e-5],
    ['tiny-sd15-fp16', 2e-2],
  ] as const) {
    const files = await readPipeline(dirOf(pipeline));
    const unet = await openModel(files.unet, 'unet', [], config, ctx);
    const inputs = reference(pipeline, 'inputs');
    const sample = tensor(inputs, 'unet.sample');
    const hidden = tensor(inputs, 'unet.encoder_hidden_states');
    const t = inputs.tensors.get('unet.timestep')!;
    const timesteps = t.dtype === 'I64' ? [...toBigInt64(t)].map(Number) : [...tensor(inputs, 'unet.timestep')];
    const expected = tensor(reference(pipeline, 'base'), 'unet.out_sample');
    for (const r of [0, 1]) {
      const dim = hidden.length / 2 / 77;
      const cond: Conditioning = {
        kind: 'conditioning',
        family: files.family,
        embeds: row(hidden, 2, r),
        tokens: 77,
        dim,
        padWindow: new Float32Array(77 * dim),
        empty: false,
        prompt: '',
      };
      if (files.family === 'sdxl') cond.pooled = row(tensor(inputs, 'unet.text_embeds'), 2, r);
      const timeIds = files.family === 'sdxl' ? [...row(tensor(inputs, 'unet.time_ids'), 2, r)] : undefined;
      const eps = await predictNoise(unet, row(sample, 2, r), [1, 4, 8, 8], timesteps[timesteps.length === 1 ? 0 : r] as number, {
        positive: cond,
        negative: cond,
        cfg: 1,
        ...(timeIds && { timeIds }),
      });
      const error = relativeError(eps, row(expected, 2, r));
      assert.ok(error < tolerance, `${pipeline} row ${r}: relative error ${error}`);
    }
  }
});

test('classifier-free guidance combines the two passes as uncond + cfg·(cond − uncond)', async () => {
  const files = await readPipeline(dirOf('tiny-sd15'));
  const unet = await openModel(files.unet, 'unet', [], config, ctx);
  const hidden = tensor(reference('tiny-sd15', 'inputs'), 'unet.encoder_hidden_states');
  const sample = row(tensor(reference('tiny-sd15', 'inputs'), 'unet.sample'), 2, 0);
  const make = (r: number): Conditioning => ({
    kind: 'conditioning',
    family: 'sd15',
    embeds: row(hidden, 2, r),
    tokens: 77,
    dim: 32,
    padWindow: new Float32Array(77 * 32),
    empty: false,
    prompt: '',
  });
  const only = async (c: Conditioning) => predictNoise(unet, sample, [1, 4, 8, 8], 500, { positive: c, negative: c, cfg: 1 });
  const [uncond, cond] = [await only(make(0)), await only(make(1))];
  const guided = await predictNoise(unet, sample, [1, 4, 8, 8], 500, { positive: make(1), negative: make(0), cfg: 7.5 });
  const expected = uncond.map((u, i) => u + 7.5 * ((cond[i] as number) - u));
  assert.ok(relativeError(guided, expected) < 1e-5);
});

test('VAE decode and encode match torch (decode divides by the scaling factor; encode takes the mean)', async () => {
  for (const pipeline of ['tiny-sd15', 'tiny-sdxl']) {
    const files = await readPipeline(dirOf(pipeline));
    const inputs = reference(pipeline, 'inputs');
    const base = reference(pipeline, 'base');
    const z = tensor(inputs, 'vae_decoder.latent_sample');
    const { session: decoder } = await cachedSession(ctx.objects, files.vaeDecoder, config, ctx.log);
    const images = await decodeLatents(
      decoder,
      files.vaeDecoder,
      { kind: 'latent', samples: z.map((v) => v * files.vaeScalingFactor), shape: [1, 4, 8, 8], meta: {} },
      files.vaeScalingFactor,
      undefined,
    );
    const sample = tensor(base, 'vae_decoder.sample');
    const expected = new Float32Array(64 * 64 * 3);
    for (let p = 0; p < 64 * 64; p++) for (let c = 0; c < 3; c++) expected[p * 3 + c] = Math.min(1, Math.max(0, (sample[c * 4096 + p] as number) / 2 + 0.5));
    assert.ok(relativeError(images.pixels, expected) < 1e-5, `${pipeline} decode`);

    const { session: encoder } = await cachedSession(ctx.objects, files.vaeEncoder!, config, ctx.log);
    const pixels = tensor(inputs, 'vae_encoder.sample');
    const nhwc = new Float32Array(64 * 64 * 3);
    for (let p = 0; p < 4096; p++) for (let c = 0; c < 3; c++) nhwc[p * 3 + c] = ((pixels[c * 4096 + p] as number) + 1) / 2;
    const latent = await encodeImages(encoder, files.vaeEncoder!, { kind: 'image', pixels: nhwc, shape: [1, 64, 64, 3], meta: {} }, files.vaeScalingFactor);
    const mean = tensor(base, 'vae_encoder.latent_parameters')
      .subarray(0, 4 * 64)
      .map((v) => v * files.vaeScalingFactor);
    assert.ok(relativeError(latent.samples, mean) < 1e-4, `${pipeline} encode`);
  }
});

test('long prompts run in 77-token windows; emphasis reweights tokens but keeps the mean (A1111)', async () => {
  const long = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'girl' : 'red theme')).join(', ');
  const c = await encode('tiny-sd15', long);
  assert.equal(c.tokens % 77, 0);
  assert.ok(c.tokens >= 154, `a 100+ token prompt spans several windows (got ${c.tokens} tokens)`);
  const plain = await encode('tiny-sd15', 'a portrait of a girl');
  const weighted = await encode('tiny-sd15', 'a portrait of a (girl:1.5)');
  const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(relativeError(weighted.embeds, plain.embeds) > 1e-3, 'emphasis changes the conditioning');
  assert.ok(Math.abs(mean(weighted.embeds) - mean(plain.embeds)) < 1e-5, 'and restores its mean');
});

test('a positive longer than the negative is padded with empty windows for the CFG batch', async () => {
  const host = tinyHost();
  const { txt2img } = await import('./harness.ts');
  // 80 single-token words need two 75-token windows.
  const long = Array.from({ length: 80 }, () => 'girl').join(' ');
  const result = await host.engine.run(txt2img({ prompt: long, negative: 'blurry', steps: 2 }));
  assert.equal((result.outputs.get('positive')?.conditioning as Conditioning).tokens, 154);
  assert.equal((result.outputs.get('negative')?.conditioning as Conditioning).tokens, 77);
  assert.equal((result.ui.save?.images ?? []).length, 1);
});
