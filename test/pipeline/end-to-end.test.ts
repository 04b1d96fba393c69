/**
 * Whole graphs on the tiny models: reproducible PNG bytes, every real layout (Optimum SD1.5/SDXL, the
 * diffusers script with weights.pb, fp16, per-tensor external data), img2img, tiled decoding, PNG metadata.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { importComfyWorkflow, type Graph, type RunResult } from '@loom/engine';
import type { ImageBatch } from '@loom/nodes';
import { readPngText } from '@loom/nodes';
import { fixturesDir, modelsDir, tinyHost, txt2img } from './harness.ts';

const savedFiles = (result: RunResult, outDir: string): string[] =>
  ((result.ui.save?.images ?? []) as { filename: string; subfolder: string }[]).map((f) => join(outDir, f.subfolder, f.filename));

test('the same seed gives identical PNG bytes; another seed does not', async () => {
  const first = tinyHost();
  const second = tinyHost();
  const a = savedFiles(await first.engine.run(txt2img({ seed: 11 })), first.config.outputDir);
  const b = savedFiles(await second.engine.run(txt2img({ seed: 11 })), second.config.outputDir);
  const c = savedFiles(await second.engine.run(txt2img({ seed: 12 })), second.config.outputDir);
  assert.equal(a.length, 1);
  assert.ok(readFileSync(a[0]!).equals(readFileSync(b[0]!)));
  assert.ok(!readFileSync(a[0]!).equals(readFileSync(c[0]!)));
  assert.match(a[0]!, /test_00001\.png$/);
  assert.match(c[0]!, /test_00002\.png$/, 'the counter continues');
});

test('the PNG embeds the graph (ComfyUI prompt and UI workflow, Loom graph) and A1111 parameters', async () => {
  const host = tinyHost();
  const graph = txt2img({ seed: 5, prompt: 'a girl, (red theme:1.2)', negative: 'blurry' });
  const [file] = savedFiles(await host.engine.run(graph), host.config.outputDir);
  const text = readPngText(readFileSync(file!));
  assert.deepEqual(Object.keys(text), ['prompt', 'workflow', 'parameters', 'loom']);
  assert.deepEqual(JSON.parse(text.loom!), graph);
  // Without a client workflow, Loom's graph in ComfyUI's UI format, which imports back to the same graph.
  const workflow = JSON.parse(text.workflow!) as { nodes: unknown[] };
  assert.equal(workflow.nodes.length, Object.keys(graph.nodes).length);
  // Every parameter is written (widgets_values is positional), so unset ones come back as their defaults.
  const imported = importComfyWorkflow(workflow, host.registry).nodes.sampler?.inputs ?? {};
  assert.deepEqual(Object.fromEntries(Object.keys(graph.nodes.sampler?.inputs ?? {}).map((k) => [k, imported[k]])), graph.nodes.sampler?.inputs);
  assert.equal(imported.cfg, 7);
  const prompt = JSON.parse(text.prompt!) as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
  assert.equal(prompt.sampler?.class_type, 'UNetSampler');
  assert.deepEqual(prompt.sampler?.inputs.model, ['loader', 0]);
  assert.equal(
    text.parameters,
    'a girl, (red theme:1.2)\nNegative prompt: blurry\nSteps: 6, Sampler: Euler, CFG scale: 7, Seed: 5, Size: 64x64, Model: tiny-sd15',
  );
  const meta = await sharp(file!).metadata();
  assert.deepEqual([meta.width, meta.height, meta.channels], [64, 64, 3]);
});

test('every real layout runs end to end: Optimum SD1.5 and SDXL, diffusers script (weights.pb), fp16, per-tensor external data', async () => {
  // The per-tensor external UNet is tiny-sd15's UNet stored as a >2 GB export would be; put it in a pipeline.
  const scratch = tinyHost().outDir;
  const external = join(scratch, 'models', 'tiny-sd15-external');
  cpSync(join(modelsDir, 'tiny-sd15'), external, { recursive: true });
  cpSync(join(fixturesDir, 'tiny-unet-external', 'unet'), join(external, 'unet'), { recursive: true });
  const cases: [string, string][] = [
    [modelsDir, 'tiny-sd15'],
    [modelsDir, 'tiny-sdxl'],
    [fixturesDir, 'tiny-sd15-script'],
    [fixturesDir, 'tiny-sd15-fp16'],
    [join(scratch, 'models'), 'tiny-sd15-external'],
  ];
  const pixels: Record<string, Float32Array> = {};
  for (const [dir, pipeline] of cases) {
    const host = tinyHost({ modelsDir: dir });
    const result = await host.engine.run(txt2img({ pipeline, seed: 3, steps: 4 }));
    const [file] = savedFiles(result, host.config.outputDir);
    assert.ok(file, `${pipeline} wrote an image`);
    const images = result.outputs.get('decode')?.images as ImageBatch;
    assert.deepEqual(images.shape, [1, 64, 64, 3]);
    pixels[pipeline] = images.pixels;
  }
  // Same weights, different storage: the external-data UNet renders the same image as tiny-sd15.
  assert.deepEqual(pixels['tiny-sd15-external'], pixels['tiny-sd15']);
});

test('img2img: denoise runs the tail of the schedule, and denoise 0 returns the input latent', async () => {
  const host = tinyHost();
  mkdirSync(host.config.inputDir, { recursive: true });
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .png()
    .toBuffer();
  writeFileSync(join(host.config.inputDir, 'start.png'), png);
  const graph = (denoise: number): Graph => {
    const g = txt2img({ steps: 10 });
    g.nodes.image = { type: 'LoadImage', inputs: { image: 'start.png' } };
    g.nodes.encode = { type: 'VAEEncode', inputs: { vae: { node: 'loader', output: 'vae' }, images: { node: 'image', output: 'images' } } };
    (g.nodes.sampler as { inputs: Record<string, unknown> }).inputs.latent = { node: 'encode', output: 'latent' };
    (g.nodes.sampler as { inputs: Record<string, unknown> }).inputs.denoise = denoise;
    delete g.nodes.latent;
    return g;
  };
  const steps: number[] = [];
  const half = await host.engine.run(graph(0.5), { onEvent: (e) => void (e.type === 'node.progress' && e.nodeId === 'sampler' && steps.push(e.max)) });
  assert.equal(steps[0], 5, 'diffusers get_timesteps: int(10·0.5) steps run');
  const none = await host.engine.run(graph(0));
  const encoded = none.outputs.get('encode')?.latent as { samples: Float32Array };
  const sampled = none.outputs.get('sampler')?.latent as { samples: Float32Array };
  assert.deepEqual(sampled.samples, encoded.samples);
  const out = half.outputs.get('decode')?.images as ImageBatch;
  assert.deepEqual(out.shape, [1, 64, 64, 3]);
});

test('tiled VAE decoding covers the image without seams', async () => {
  const host = tinyHost();
  const graph = (tileSize: number): Graph => {
    const g = txt2img({ width: 256, height: 192, steps: 2 });
    (g.nodes.decode as { inputs: Record<string, unknown> }).inputs.tileSize = tileSize;
    (g.nodes.decode as { inputs: Record<string, unknown> }).inputs.tileOverlap = 32;
    return g;
  };
  const whole = (await host.engine.run(graph(0))).outputs.get('decode')?.images as ImageBatch;
  const tiled = (await host.engine.run(graph(128))).outputs.get('decode')?.images as ImageBatch;
  assert.deepEqual(tiled.shape, [1, 192, 256, 3]);
  const [, H, W] = tiled.shape;
  const at = (img: ImageBatch, x: number, y: number, c: number) => img.pixels[(y * W + x) * 3 + c] as number;
  let meanDiff = 0;
  for (let i = 0; i < whole.pixels.length; i++) meanDiff += Math.abs((whole.pixels[i] as number) - (tiled.pixels[i] as number)) / whole.pixels.length;
  // The VAE's mid-block attention sees the whole latent, so tiles cannot be bit-identical; they must be close…
  assert.ok(meanDiff < 0.03, `mean difference from the one-piece decode: ${meanDiff}`);
  // …and seamless: the step between neighbouring columns (rows) of the tiled image is never much larger
  // than in the one-piece decode (at most 15% of it), anywhere, so no tile border shows as an edge.
  const columnStep = (img: ImageBatch, x: number) => {
    let sum = 0;
    for (let y = 0; y < H; y++) for (let c = 0; c < 3; c++) sum += Math.abs(at(img, x + 1, y, c) - at(img, x, y, c));
    return sum / (H * 3);
  };
  const rowStep = (img: ImageBatch, y: number) => {
    let sum = 0;
    for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) sum += Math.abs(at(img, x, y + 1, c) - at(img, x, y, c));
    return sum / (W * 3);
  };
  let worstSeam = 0;
  for (let x = 0; x < W - 1; x++) worstSeam = Math.max(worstSeam, (columnStep(tiled, x) - columnStep(whole, x)) / columnStep(whole, x));
  for (let y = 0; y < H - 1; y++) worstSeam = Math.max(worstSeam, (rowStep(tiled, y) - rowStep(whole, y)) / rowStep(whole, y));
  assert.ok(worstSeam < 0.15, `largest relative extra step at any column or row: ${worstSeam}`);
});

test('no stray temporary files are left in the output folder', async () => {
  const host = tinyHost();
  await host.engine.run(txt2img());
  assert.deepEqual(
    readdirSync(host.config.outputDir).filter((f) => f.startsWith('.')),
    [],
  );
});

test('a batch renders one image per latent, each saved with its own seed in the metadata', async () => {
  const host = tinyHost();
  const graph = txt2img({ seed: 40, steps: 3 });
  (graph.nodes.latent as { inputs: Record<string, unknown> }).inputs.batchSize = 3;
  const result = await host.engine.run(graph);
  const files = savedFiles(result, host.config.outputDir);
  assert.equal(files.length, 3);
  const images = result.outputs.get('decode')?.images as ImageBatch;
  assert.deepEqual(images.shape, [3, 64, 64, 3]);
  const plane = 64 * 64 * 3;
  assert.notDeepEqual(images.pixels.subarray(0, plane), images.pixels.subarray(plane, 2 * plane), 'each latent gets its own noise');
  assert.deepEqual(
    files.map((f) => /Seed: (\d+)/.exec(readPngText(readFileSync(f)).parameters ?? '')?.[1]),
    ['40', '41', '42'],
  );
});
