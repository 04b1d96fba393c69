/**
 * Upscaling: the ONNX ESRGAN against its torch reference (test/fixtures/reference/tiny-esrgan-4x), tiles
 * against the untiled result, and the ImageScale / LatentUpscale / model nodes through graphs, also in
 * ComfyUI's API format.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { importComfyPrompt, type EngineEvent, type Graph } from '@loom/engine';
import { createNodePack, type ImageBatch, type Latent } from '@loom/nodes';
import { tileRunner } from '../../packages/nodes/src/sd/upscale/upscale-model.ts';
import { upscaleTiled } from '../../packages/nodes/src/sd/upscale/tiled-upscale.ts';
import { readSafetensors, toFloat32 } from '../helpers/safetensors-lite.ts';
import { testHost, link, modelsDir, root } from './helpers/host.ts';
import { SeededImage, Sink, FLAGGED_RGB } from './helpers/test-nodes.ts';

const host = testHost([SeededImage, Sink]);
const esrgan = join(modelsDir, 'upscale_models/tiny-esrgan-4x.onnx');
const session = await ort.InferenceSession.create(esrgan);
const run = tileRunner(session, esrgan);

const maxDiff = (a: Float32Array, b: Float32Array): number => {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
};

test('ESRGAN output equals the torch reference (fp32), untiled and in two overlapping tiles per axis', async () => {
  const x = toFloat32(readSafetensors(join(root, 'test/fixtures/reference/tiny-esrgan-4x/inputs.safetensors')).tensors.get('upscaler.image')!);
  const expected = toFloat32(readSafetensors(join(root, 'test/fixtures/reference/tiny-esrgan-4x/base.safetensors')).tensors.get('upscaler.upscaled')!);
  const whole = await upscaleTiled(x, 16, 16, 0, 0, run);
  assert.deepEqual([whole.scale, whole.height, whole.width], [4, 64, 64]);
  assert.ok(maxDiff(whole.data, expected) < 1e-5, `untiled: ${maxDiff(whole.data, expected)}`);
  const tiled = await upscaleTiled(x, 16, 16, 12, 8, run);
  assert.ok(maxDiff(tiled.data, expected) < 1e-3, `tiled: ${maxDiff(tiled.data, expected)}`);
});

test('tiles are seamless: tiled equals untiled within tolerance, tighter as the overlap grows', async () => {
  const h = 40;
  const w = 52;
  const image = Float32Array.from({ length: 3 * h * w }, (_, i) => 0.5 + 0.4 * Math.sin(i * 0.37) * Math.cos(i * 0.011));
  const whole = await upscaleTiled(image, h, w, 0, 0, run);
  let tiles = 0;
  const small = await upscaleTiled(image, h, w, 16, 8, run, () => tiles++);
  assert.equal(tiles, 4 * 6, 'ceil((40−8)/8) × ceil((52−8)/8) tiles, each reported');
  // The tiny RRDBNet sees ~18 input pixels around each output; 8 shared pixels leave a small residue, 16 none.
  assert.ok(maxDiff(small.data, whole.data) < 1e-3, `overlap 8: ${maxDiff(small.data, whole.data)}`);
  const wide = await upscaleTiled(image, h, w, 32, 16, run);
  assert.ok(maxDiff(wide.data, whole.data) < 1e-5, `overlap 16: ${maxDiff(wide.data, whole.data)}`);
});

test('ImageUpscaleWithModel: 4× output, progress per tile, values clamped to 0..1', async () => {
  const graph: Graph = {
    version: 1,
    nodes: {
      gen: { type: 'SeededImage', inputs: { size: 40, allBad: true, stripes: true } },
      loader: { type: 'UpscaleModelLoader', inputs: { modelName: 'tiny-esrgan-4x.onnx' } },
      up: {
        type: 'ImageUpscaleWithModel',
        inputs: { upscaleModel: link('loader', 'upscaleModel'), images: link('gen', 'images'), tileSize: 16, tileOverlap: 8 },
      },
      out: { type: 'Sink', inputs: { images: link('up', 'images') } },
    },
  };
  const events: EngineEvent[] = [];
  const result = await host.run(graph, events);
  const images = (result.outputs.get('up') as { images: ImageBatch }).images;
  assert.deepEqual(images.shape, [1, 160, 160, 3]);
  assert.ok(images.pixels.every((v) => v >= 0 && v <= 1));
  const progress = events.filter((e) => e.type === 'node.progress' && e.nodeId === 'up');
  assert.equal(progress.length, 16, 'ceil((40−8)/8)² tiles');
  assert.deepEqual(progress.map((e) => (e.type === 'node.progress' ? e.max : 0))[0], 16);
  await assert.rejects(
    host.run({
      version: 1,
      nodes: {
        l: { type: 'UpscaleModelLoader', inputs: { modelName: 'missing.onnx' } },
        up: { type: 'ImageUpscaleWithModel', inputs: { upscaleModel: link('l', 'upscaleModel'), images: link('gen', 'images') } },
        gen: { type: 'SeededImage', inputs: {} },
        out: { type: 'Sink', inputs: { images: link('up', 'images') } },
      },
    }),
    /does not exist/,
  );
});

function scaleGraph(inputs: Record<string, unknown>, size = 64, source: Record<string, unknown> = {}): Graph {
  return {
    version: 1,
    nodes: {
      gen: { type: 'SeededImage', inputs: { size, ...source } },
      scale: { type: 'ImageScale', inputs: { images: link('gen', 'images'), ...inputs } },
      out: { type: 'Sink', inputs: { images: link('scale', 'images') } },
    },
  };
}
const scaled = async (graph: Graph) => ((await host.run(graph)).outputs.get('scale') as { images: ImageBatch }).images;

test('ImageScale: sizes, aspect from 0, a solid colour stays solid, area averages, nearest duplicates', async () => {
  const half = await scaled(scaleGraph({ method: 'lanczos3', width: 0, height: 32 }, 64, { allBad: true }));
  assert.deepEqual(half.shape, [1, 32, 32, 3]);
  for (let i = 0; i < half.pixels.length; i++) assert.ok(Math.abs((half.pixels[i] as number) - (FLAGGED_RGB[i % 3] as number)) < 1e-4);
  // Columns alternate (0.9, 0.3, 0.2) and (1, 0, 0): area to half width averages each pair exactly.
  const area = await scaled(scaleGraph({ method: 'area', width: 32, height: 64 }, 64, { allBad: true, stripes: true }));
  assert.deepEqual(area.shape, [1, 64, 32, 3]);
  for (let i = 0; i < area.pixels.length; i++) assert.ok(Math.abs((area.pixels[i] as number) - ([0.95, 0.15, 0.1][i % 3] as number)) < 1e-6);
  const big = await scaled(scaleGraph({ method: 'nearest-exact', width: 128, height: 128 }, 64, { allBad: true, stripes: true }));
  const red = (x: number) => big.pixels[(5 * 128 + x) * 3] as number;
  // Source column c = floor(x / 2); odd source columns are pure red (1.0), even ones 0.9 (16-bit exact).
  for (const x of [0, 1, 2, 3, 126, 127]) assert.ok(Math.abs(red(x) - (Math.floor(x / 2) % 2 === 1 ? 1 : 0.9)) < 1e-4, `column ${x}`);
  const cropped = await scaled(scaleGraph({ method: 'cubic', width: 48, height: 48, crop: 'center' }, 64));
  assert.deepEqual(cropped.shape, [1, 48, 48, 3]);
});

test('LatentUpscale: pixel sizes / 8, aspect from 0, values from torch-style interpolation', async () => {
  const graph: Graph = {
    version: 1,
    nodes: {
      latent: { type: 'EmptyLatent', inputs: { width: 64, height: 96 } },
      up: { type: 'LatentUpscale', inputs: { latent: link('latent', 'latent'), method: 'bilinear', width: 128, height: 0 } },
      loader: { type: 'ModelLoader', inputs: {} },
      decode: { type: 'VAEDecode', inputs: { vae: link('loader', 'vae'), latent: link('up', 'latent') } },
      out: { type: 'Sink', inputs: { images: link('decode', 'images') } },
    },
  };
  const result = await host.run(graph);
  assert.deepEqual((result.outputs.get('up') as { latent: Latent }).latent.shape, [1, 4, 24, 16]);
  assert.deepEqual((result.outputs.get('decode') as { images: ImageBatch }).images.shape, [1, 192, 128, 3]);
});

test('ComfyUI API-format upscale nodes map onto ours', async () => {
  const pack = createNodePack(host.config);
  const graph = importComfyPrompt(
    {
      '1': { class_type: 'SeededImage', inputs: { size: 16 } },
      '2': { class_type: 'UpscaleModelLoader', inputs: { model_name: 'tiny-esrgan-4x.onnx' } },
      '3': { class_type: 'ImageUpscaleWithModel', inputs: { upscale_model: ['2', 0], image: ['1', 0] } },
      '4': { class_type: 'ImageScale', inputs: { image: ['3', 0], upscale_method: 'lanczos', width: 32, height: 32, crop: 'disabled' } },
      '5': { class_type: 'Sink', inputs: { images: ['4', 0] } },
    },
    host.registry,
    pack.comfyMap,
  );
  const result = await host.run(graph);
  assert.deepEqual((result.outputs.get('4') as { images: ImageBatch }).images.shape, [1, 32, 32, 3]);
  const latent = importComfyPrompt(
    {
      '0': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } },
      '1': { class_type: 'LatentUpscale', inputs: { samples: ['0', 0], upscale_method: 'bicubic', width: 512, height: 512, crop: 'center' } },
    },
    host.registry,
    pack.comfyMap,
  );
  assert.deepEqual(latent.nodes['1']?.inputs, { latent: { node: '0', output: 'latent' }, method: 'bicubic', width: 512, height: 512, crop: 'center' });
});
