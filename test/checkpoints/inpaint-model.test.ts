/**
 * 9-channel inpainting checkpoints (sd-v1-5-inpainting's layout, test/fixtures/checkpoints/tiny-sd15-inpainting.*):
 * built into a 9-input-channel ONNX UNet and sampled by KSampler with the mask and masked-image channels as ComfyUI
 * feeds them, against the torch reference of tools/comfy-ref/make_inpaint_fixture.py (the same seeded replica, F16
 * weights); then the whole ComfyUI graph (ImagePadForOutpaint → VAEEncodeForInpaint → KSampler) through the host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { importComfyPrompt, LoomError } from '@loom/engine';
import type { Latent } from '@loom/nodes';
import { conditioningEntries, conditioningOf, latentOf, type Conditioning } from '../../packages/nodes/src/ports.ts';
import { ensureBuiltPipeline } from '../../packages/nodes/src/weights/cache/built-pipeline.ts';
import { readPipeline } from '../../packages/nodes/src/sd/pipeline.ts';
import { ModelSampling, kSample, type KSampleOptions } from '../../packages/nodes/src/sd/k-sampling/index.ts';
import { unetDenoiser } from '../../packages/nodes/src/sd/k-sampling/unet-denoiser.ts';
import { inpaintConcat, unetSampleChannels } from '../../packages/nodes/src/sd/k-sampling/inpaint-concat.ts';
import { withFields } from '../../packages/nodes/src/sd/conditioning/ops.ts';
import type { ModelRunner } from '../../packages/nodes/src/sd/model-session.ts';
import { root, tinyHost } from '../pipeline/harness.ts';

const fixtures = join(root, 'test/fixtures/checkpoints');
const FILES = ['tiny-sd15-inpainting.safetensors', 'tiny-sd15-inpainting.yaml', 'tiny-sd15-inpainting.tokenizer'];

/** A fixture case: sampler settings, the positive's entries (area as h, w, y, x in latent units), the start. */
type Case = Pick<KSampleOptions, 'sampler' | 'scheduler' | 'steps' | 'seed'> & {
  name: string;
  positive: { prompt: string; area?: [number, number, number, number]; strength?: number }[];
  latent: 'start' | 'zeros';
  mask: boolean;
  cfg: number;
  final: number[];
};
const ref = JSON.parse(readFileSync(join(root, 'packages/nodes/src/sd/k-sampling/fixtures/inpaint-model.json'), 'utf8')) as {
  shape: [number, number, number, number];
  start: number[];
  mask: number[];
  prompts: Record<string, number[]>;
  tokens: number;
  cases: Case[];
};

const prompt = (name: string): Conditioning =>
  conditioningOf([
    {
      family: 'sd15',
      embeds: Float32Array.from(ref.prompts[name]!),
      tokens: ref.tokens,
      dim: 32,
      padWindow: new Float32Array(77 * 32),
      empty: false,
      prompt: name,
    },
  ]);

test('a 9-channel inpainting checkpoint builds and KSampler samples it as ComfyUI does (mask, no mask, area entry; torch reference)', async () => {
  const dir = await ensureBuiltPipeline({ kind: 'single-file', path: join(fixtures, FILES[0]!) }, { cacheRoot: mkdtempSync(join(tmpdir(), 'loom-inpaint-')) });
  const pipeline = await readPipeline(dir);
  const session = await ort.InferenceSession.create(pipeline.unet);
  const unet: ModelRunner = { session, path: pipeline.unet, run: (feeds) => session.run(feeds) };
  assert.equal(unetSampleChannels(unet), 9, 'the built UNet takes 9 input channels');
  const ms = ModelSampling.fromSchedulerConfig(pipeline.schedulerConfig);
  let worst = 0;
  for (const c of ref.cases) {
    const samples = c.latent === 'start' ? Float32Array.from(ref.start) : new Float32Array(ref.start.length);
    const noiseMask = { values: Float32Array.from(ref.mask), shape: [1, 1, 8, 8] as [number, 1, number, number] };
    const latent: Latent = { ...latentOf(samples, ref.shape), ...(c.mask && { noiseMask }) };
    const entries = c.positive.map((e) =>
      e.area
        ? withFields(prompt(e.prompt), { area: { height: e.area[0], width: e.area[1], y: e.area[2], x: e.area[3] }, strength: e.strength! })
        : prompt(e.prompt),
    );
    const positive = conditioningOf(entries.flatMap(conditioningEntries));
    const denoiser = unetDenoiser(ms, unet, ref.shape, {
      positive,
      negative: prompt('N'),
      cfg: c.cfg,
      family: 'sd15',
      concat: { values: inpaintConcat(latent), channels: 5 },
    });
    const out = await kSample(ms, denoiser, samples, ref.shape, {
      sampler: c.sampler,
      scheduler: c.scheduler,
      steps: c.steps,
      seed: c.seed,
      ...(c.mask && { noiseMask }),
    });
    out.forEach((v, i) => {
      const err = Math.abs(v - c.final[i]!) / Math.max(1, Math.abs(c.final[i]!));
      worst = Math.max(worst, err);
      assert.ok(err <= 1e-4, `${c.name}[${i}]: ${v} vs ${c.final[i]}`);
    });
  }
  console.log(`worst final-latent error (absolute, relative above 1): ${worst.toExponential(2)}`);
});

test('ComfyUI outpainting graph on the inpainting checkpoint: the padded strip is repainted, the rest kept; UNetSampler refuses the model', async () => {
  const models = join(mkdtempSync(join(tmpdir(), 'loom-inpaint-models-')), 'models');
  mkdirSync(join(models, 'checkpoints'), { recursive: true });
  for (const f of FILES) cpSync(join(fixtures, f), join(models, 'checkpoints', f), { recursive: true });
  const host = tinyHost({ modelsDir: models });
  const prompt = {
    ckpt: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: FILES[0] } },
    image: { class_type: 'EmptyImage', inputs: { width: 48, height: 64, batch_size: 1, color: 0x3366cc } },
    pad: { class_type: 'ImagePadForOutpaint', inputs: { image: ['image', 0], left: 16, top: 0, right: 0, bottom: 0, feathering: 0 } },
    encode: { class_type: 'VAEEncodeForInpaint', inputs: { pixels: ['pad', 0], vae: ['ckpt', 2], mask: ['pad', 1], grow_mask_by: 0 } },
    pos: { class_type: 'CLIPTextEncode', inputs: { text: 'a stone wall', clip: ['ckpt', 1] } },
    neg: { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['ckpt', 1] } },
    sampler: {
      class_type: 'KSampler',
      inputs: {
        seed: 4,
        steps: 4,
        cfg: 5,
        sampler_name: 'euler',
        scheduler: 'normal',
        denoise: 1,
        model: ['ckpt', 0],
        positive: ['pos', 0],
        negative: ['neg', 0],
        latent_image: ['encode', 0],
      },
    },
  };
  const graph = importComfyPrompt(prompt, host.registry, host.comfyMap);
  const result = await host.engine.run(graph, { targets: ['sampler', 'encode'] });
  const input = result.outputs.get('encode')?.latent as Latent;
  const output = result.outputs.get('sampler')?.latent as Latent;
  assert.deepEqual(output.shape, [1, 4, 8, 8]);
  let repainted = 0;
  output.samples.forEach((v, i) => {
    const keep = input.noiseMask!.values[i % 64] === 0;
    // KSamplerX0Inpaint returns the input there; the sampler's own arithmetic leaves float32 rounding.
    if (keep) assert.ok(Math.abs(v - input.samples[i]!) <= 1e-5, `kept [${i}] ${v} vs ${input.samples[i]}`);
    else if (Math.abs(v - input.samples[i]!) > 0.05) repainted++;
  });
  assert.ok(repainted > 32, `the 2 padded latent columns were repainted (${repainted} of 64 values changed)`);

  graph.nodes.diffusers = {
    type: 'UNetSampler',
    inputs: {
      model: { node: 'ckpt', output: 'model' },
      positive: { node: 'pos', output: 'conditioning' },
      negative: { node: 'neg', output: 'conditioning' },
      latent: { node: 'image-latent', output: 'latent' },
    },
  };
  graph.nodes['image-latent'] = { type: 'EmptyLatent', inputs: { width: 64, height: 64 } };
  await assert.rejects(
    host.engine.run(graph, { targets: ['diffusers'] }),
    (err: unknown) => err instanceof LoomError && /inpainting model.*KSampler/.test(err.message),
  );
});
