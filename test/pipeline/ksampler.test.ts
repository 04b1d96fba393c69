/**
 * KSampler, KSamplerAdvanced and CLIPTextEncode (ComfyUI semantics) on the tiny models: per-step progress with
 * previews, a KSamplerAdvanced hand-over equal to one KSampler run, SDXL conditioning, and a noise mask that keeps
 * the unmasked latent through the real UNet. The σ/sampler/weighting numbers themselves are checked against torch
 * in packages/nodes/src/sd/k-sampling and sd/comfy-prompt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { importComfyPrompt, type Graph } from '@loom/engine';
import type { Latent } from '@loom/nodes';
import { readPipeline } from '../../packages/nodes/src/sd/pipeline.ts';
import { clipHandle } from '../../packages/nodes/src/ports.ts';
import { ClipTokenizer } from '../../packages/nodes/src/sd/tokenizer/index.ts';
import { encodeComfyPrompt } from '../../packages/nodes/src/sd/comfy-prompt/encode.ts';
import { featureLayers } from '../../packages/nodes/src/sd/text-encoding.ts';
import { ModelSampling, kSample } from '../../packages/nodes/src/sd/k-sampling/index.ts';
import { unetDenoiser } from '../../packages/nodes/src/sd/k-sampling/unet-denoiser.ts';
import type { ModelRunner } from '../../packages/nodes/src/sd/model-session.ts';
import { modelsDir, tinyHost } from './harness.ts';

const link = (node: string, output: string) => ({ node, output });

function comfyGraph(pipeline: string, sampler: Record<string, unknown>, extra: Graph['nodes'] = {}): Graph {
  return {
    version: 1,
    nodes: {
      loader: { type: 'ModelLoader', inputs: { pipeline } },
      positive: { type: 'CLIPTextEncode', inputs: { clip: link('loader', 'clip'), text: 'a (lighthouse:1.2) at dawn' } },
      negative: { type: 'CLIPTextEncode', inputs: { clip: link('loader', 'clip'), text: 'blurry' } },
      latent: { type: 'EmptyLatent', inputs: { width: 64, height: 64 } },
      sampler: {
        type: 'KSampler',
        inputs: {
          model: link('loader', 'model'),
          positive: link('positive', 'conditioning'),
          negative: link('negative', 'conditioning'),
          latentImage: link('latent', 'latent'),
          ...sampler,
        },
      },
      ...extra,
    },
  };
}

const latentOf = (result: { outputs: Map<string, Record<string, unknown>> }, node: string): Latent => result.outputs.get(node)?.latent as Latent;

test('KSampler reports every step with a preview; the seed decides the latent', async () => {
  const host = tinyHost();
  const progress: Array<{ value: number; max: number; preview: boolean }> = [];
  const graph = comfyGraph('tiny-sd15', { seed: 5, steps: 5, cfg: 6, samplerName: 'dpmpp_2m', scheduler: 'karras' });
  const first = await host.engine.run(graph, {
    targets: ['sampler'],
    onEvent: (e) =>
      void (e.type === 'node.progress' && e.nodeId === 'sampler' && progress.push({ value: e.value, max: e.max, preview: e.preview !== undefined })),
  });
  assert.deepEqual(
    progress,
    [1, 2, 3, 4, 5].map((value) => ({ value, max: 5, preview: true })),
  );
  const again = await tinyHost().engine.run(graph, { targets: ['sampler'] });
  assert.deepEqual(latentOf(again, 'sampler').samples, latentOf(first, 'sampler').samples);
  const other = await tinyHost().engine.run(comfyGraph('tiny-sd15', { seed: 6, steps: 5, cfg: 6, samplerName: 'dpmpp_2m', scheduler: 'karras' }), {
    targets: ['sampler'],
  });
  assert.notDeepEqual(latentOf(other, 'sampler').samples, latentOf(first, 'sampler').samples);
});

test('KSamplerAdvanced 0→3 with leftover noise, then 3→end without new noise, equals one KSampler run (SDXL)', async () => {
  const host = tinyHost();
  const common = { noiseSeed: 9, steps: 6, cfg: 5, samplerName: 'euler', scheduler: 'normal' };
  const graph = comfyGraph(
    'tiny-sdxl',
    { seed: 9, steps: 6, cfg: 5, samplerName: 'euler', scheduler: 'normal' },
    {
      base: {
        type: 'KSamplerAdvanced',
        inputs: {
          model: link('loader', 'model'),
          positive: link('positive', 'conditioning'),
          negative: link('negative', 'conditioning'),
          latentImage: link('latent', 'latent'),
          ...common,
          startAtStep: 0,
          endAtStep: 3,
          returnWithLeftoverNoise: 'enable',
        },
      },
      rest: {
        type: 'KSamplerAdvanced',
        inputs: {
          model: link('loader', 'model'),
          positive: link('positive', 'conditioning'),
          negative: link('negative', 'conditioning'),
          latentImage: link('base', 'latent'),
          ...common,
          addNoise: 'disable',
          startAtStep: 3,
          endAtStep: 10000,
        },
      },
    },
  );
  const result = await host.engine.run(graph, { targets: ['sampler', 'rest'] });
  const whole = latentOf(result, 'sampler').samples;
  const split = latentOf(result, 'rest').samples;
  assert.equal(whole.length, 4 * 8 * 8);
  assert.ok(whole.some((v) => v !== 0));
  split.forEach((v, i) => assert.ok(Math.abs(v - whole[i]!) <= 1e-5 * Math.max(1, Math.abs(whole[i]!)), `[${i}] ${v} vs ${whole[i]}`));
});

test('a noise mask repaints only where it is 1: elsewhere the input latent comes back (real UNet, KSamplerX0Inpaint)', async () => {
  const pipeline = await readPipeline(`${modelsDir}/tiny-sd15`);
  const open = async (path: string): Promise<ModelRunner> => {
    const session = await ort.InferenceSession.create(path);
    return { session, path, run: (feeds, outputs) => (outputs ? session.run(feeds, [...outputs]) : session.run(feeds)) };
  };
  const tokenizers = [await ClipTokenizer.fromDir(pipeline.textEncoders[0]!.tokenizerDir)];
  const encoders = [await open(pipeline.textEncoders[0]!.model)];
  const layers = await featureLayers(clipHandle(pipeline), encoders);
  const encode = (text: string) => encodeComfyPrompt(clipHandle(pipeline), encoders, text, { tokenizers, layers, checkCancelled: () => {} });
  const ms = ModelSampling.fromSchedulerConfig(pipeline.schedulerConfig);
  const shape = [1, 4, 8, 8];
  const latent = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i) * 0.8);
  const mask = Float32Array.from({ length: 64 }, (_, p) => (p % 8 < 4 ? 1 : 0));
  const denoiser = unetDenoiser(ms, await open(pipeline.unet), shape, {
    positive: await encode('a red boat'),
    negative: await encode(''),
    cfg: 4,
    family: 'sd15',
  });
  const out = await kSample(ms, denoiser, latent, shape, {
    sampler: 'euler_ancestral',
    scheduler: 'karras',
    steps: 6,
    seed: 3,
    noiseMask: { values: mask, shape: [1, 1, 8, 8] },
  });
  let changed = 0;
  out.forEach((v, i) => {
    if (mask[i % 64] === 0) assert.ok(Math.abs(v - latent[i]!) <= 1e-5, `kept [${i}] ${v} vs ${latent[i]}`);
    else if (Math.abs(v - latent[i]!) > 0.05) changed++;
  });
  assert.ok(changed > 100, `the masked half was repainted (${changed} of 128 values changed)`);
});

test('an API-format prompt with ComfyUI input names runs KSamplerAdvanced and CLIPTextEncode unchanged', async () => {
  const host = tinyHost();
  const prompt = {
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'tiny-sd15' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 2 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: '(red:1.3) boat, \\(calm\\) sea', clip: ['4', 1] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: 'text, watermark', clip: ['4', 1] } },
    '3': {
      class_type: 'KSamplerAdvanced',
      inputs: {
        add_noise: 'enable',
        noise_seed: 42,
        steps: 4,
        cfg: 7,
        sampler_name: 'dpmpp_2m_sde',
        scheduler: 'exponential',
        start_at_step: 0,
        end_at_step: 3,
        return_with_leftover_noise: 'enable',
        model: ['4', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
      },
    },
  };
  const graph = importComfyPrompt(prompt, host.registry, host.comfyMap);
  const steps: number[] = [];
  const result = await host.engine.run(graph, { targets: ['3'], onEvent: (e) => void (e.type === 'node.progress' && steps.push(e.value)) });
  assert.deepEqual(steps, [1, 2, 3], 'end_at_step 3 of 4 runs three steps');
  const latent = latentOf(result, '3');
  assert.deepEqual(latent.shape, [2, 4, 8, 8]);
  const [first, second] = [latent.samples.subarray(0, 256), latent.samples.subarray(256)];
  assert.notDeepEqual(first, second, 'each latent of the batch gets its own slice of the noise');
});
