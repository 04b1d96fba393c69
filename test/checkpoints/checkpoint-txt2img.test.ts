/**
 * The real path of issue 15, end to end: a user's checkpoint file or diffusers folder, named by
 * `loader.pipeline`, is built into ONNX on first use (cached under `<models>/.loom/built/`) and samples
 * the same picture as the ONNX export of the same weights (models/tiny-sd15, models/tiny-sdxl; the
 * fixtures are those tiny replicas, test/fixtures/checkpoints/README.md). A second load opens the cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph } from '@loom/engine';
import type { ImageBatch, Latent } from '@loom/nodes';
import { relativeError, root, tinyHost, txt2img } from '../pipeline/harness.ts';

const fixtures = join(root, 'test/fixtures/checkpoints');

/**
 * Every fixture UNet and VAE is stored in F16 while the exports hold the F32 originals, so the pictures
 * differ by F16 weight rounding (2⁻¹¹ relative per weight) carried through 6 sampler steps and the
 * decoder. Measured (max |Δ| / max |export|): latents ≤ 2e-4, pixels ≤ 9e-4 over all five layouts; 3e-3
 * leaves margin and still catches any wrong mapping (a swapped or EMA-halved weight moves it by order 1).
 */
const F16_TOLERANCE = 3e-3;

/** `loader.pipeline` value, files to copy into the models folder, the export with the same weights. */
const LAYOUTS: { name: string; files: string[]; export: string }[] = [
  {
    name: 'tiny-sd15.safetensors',
    files: ['checkpoints/tiny-sd15.safetensors', 'checkpoints/tiny-sd15.yaml', 'checkpoints/tiny-sd15.tokenizer'],
    export: 'tiny-sd15',
  },
  {
    name: 'tiny-sd15-ema.ckpt',
    files: ['checkpoints/tiny-sd15-ema.ckpt', 'checkpoints/tiny-sd15-ema.yaml', 'checkpoints/tiny-sd15-ema.tokenizer'],
    export: 'tiny-sd15',
  },
  { name: 'tiny-sd15-diffusers', files: ['tiny-sd15-diffusers'], export: 'tiny-sd15' },
  {
    name: 'tiny-sdxl.safetensors',
    files: ['checkpoints/tiny-sdxl.safetensors', 'checkpoints/tiny-sdxl.yaml', 'checkpoints/tiny-sdxl.tokenizer', 'checkpoints/tiny-sdxl.tokenizer_2'],
    export: 'tiny-sdxl',
  },
  { name: 'tiny-sdxl-diffusers', files: ['tiny-sdxl-diffusers'], export: 'tiny-sdxl' },
];

/** A models folder holding the fixtures as a user would: single files under checkpoints/, diffusers folders at the top. */
function userModels(): string {
  const models = join(mkdtempSync(join(tmpdir(), 'loom-ckpt-e2e-')), 'models');
  for (const { files } of LAYOUTS) {
    for (const f of files) cpSync(join(fixtures, f.replace(/^checkpoints\//, '')), join(models, f), { recursive: true });
  }
  mkdirSync(join(models, 'checkpoints'), { recursive: true });
  return models;
}

/** txt2img with a LoRA between the loader and its users (UNet and text encoder). */
function withLora(graph: Graph, lora: string): Graph {
  const link = (node: string, output: string) => ({ node, output });
  const nodes = structuredClone(graph.nodes);
  nodes.lora = { type: 'LoRALoader', inputs: { model: link('loader', 'model'), clip: link('loader', 'clip'), lora, strengthModel: 1, strengthClip: 1 } };
  nodes.positive!.inputs.clip = link('lora', 'clip');
  nodes.negative!.inputs.clip = link('lora', 'clip');
  nodes.sampler!.inputs.model = link('lora', 'model');
  return { ...graph, nodes };
}

async function sample(modelsDir: string, pipeline: string, lora?: string): Promise<{ latent: Float32Array; pixels: Float32Array }> {
  const host = tinyHost({ modelsDir });
  const graph = txt2img({ pipeline, seed: 3 });
  const result = await host.engine.run(lora ? withLora(graph, lora) : graph);
  return {
    latent: (result.outputs.get('sampler') as { latent: Latent }).latent.samples,
    pixels: (result.outputs.get('decode') as { images: ImageBatch }).images.pixels,
  };
}

const builds = (models: string): Map<string, number> => {
  const dir = join(models, '.loom', 'built');
  return new Map(existsSync(dir) ? readdirSync(dir).map((d) => [d, statSync(join(dir, d, 'loom-build.json')).mtimeMs]) : []);
};

test('every checkpoint layout samples the same picture as the ONNX export of its weights; a second load opens the cache', async (t) => {
  const models = userModels();
  const exported = new Map<string, { latent: Float32Array; pixels: Float32Array }>();
  for (const layout of LAYOUTS) {
    const reference = exported.get(layout.export) ?? (await sample(join(root, 'models'), layout.export));
    exported.set(layout.export, reference);
    const before = builds(models);
    const built = await sample(models, layout.name);
    const after = builds(models);
    assert.equal(after.size, before.size + 1, `${layout.name}: one new build`);
    const latentError = relativeError(built.latent, reference.latent);
    const pixelError = relativeError(built.pixels, reference.pixels);
    t.diagnostic(`${layout.name}: relative error vs export: latent ${latentError.toExponential(2)}, pixels ${pixelError.toExponential(2)}`);
    assert.ok(latentError < F16_TOLERANCE, `${layout.name}: latent differs from the export by ${latentError}`);
    assert.ok(pixelError < F16_TOLERANCE, `${layout.name}: pixels differ from the export by ${pixelError}`);

    // a fresh host (no in-memory session cache) opens the built folder: no build is written again
    const again = await sample(models, layout.name);
    assert.deepEqual(builds(models), after, `${layout.name}: the second load rebuilt`);
    assert.deepEqual(again.pixels, built.pixels);
  }
});

test('a LoRA on a built single file gives the picture the same LoRA gives on the export', async (t) => {
  const models = join(mkdtempSync(join(tmpdir(), 'loom-ckpt-lora-')), 'models');
  for (const f of ['tiny-sd15.safetensors', 'tiny-sd15.yaml', 'tiny-sd15.tokenizer'])
    cpSync(join(fixtures, f), join(models, 'checkpoints', f), { recursive: true });
  cpSync(join(root, 'models/loras/tiny-sd15'), join(models, 'loras', 'tiny-sd15'), { recursive: true });
  const lora = 'tiny-sd15/pytorch_lora_weights_16.safetensors';
  const reference = await sample(join(root, 'models'), 'tiny-sd15', lora);
  const built = await sample(models, 'tiny-sd15.safetensors', lora);
  const plain = await sample(models, 'tiny-sd15.safetensors');
  const error = relativeError(built.pixels, reference.pixels);
  t.diagnostic(`LoRA rank 16: built vs export ${error.toExponential(2)}, LoRA vs none ${relativeError(built.pixels, plain.pixels).toExponential(2)}`);
  assert.ok(error < F16_TOLERANCE, `pixels differ from the export's by ${error}`);
  assert.ok(relativeError(built.pixels, plain.pixels) > 5 * F16_TOLERANCE, 'the LoRA moves the picture well beyond the tolerance (measured 2.7e-2)');
});

test('npx run-graph graphs/loom-tiny-txt2img.json --set loader.pipeline=<single file> builds once, then opens the cache', () => {
  const models = join(mkdtempSync(join(tmpdir(), 'loom-ckpt-cli-')), 'models');
  for (const f of ['tiny-sd15.safetensors', 'tiny-sd15.yaml', 'tiny-sd15.tokenizer'])
    cpSync(join(fixtures, f), join(models, 'checkpoints', f), { recursive: true });
  const run = (out: string) =>
    spawnSync(
      process.execPath,
      [
        join(root, 'packages/server/bin/run-graph.js'),
        'graphs/loom-tiny-txt2img.json',
        '--models',
        models,
        '--out',
        out,
        '--set',
        'loader.pipeline=tiny-sd15.safetensors',
        '--set',
        'sampler.steps=3',
      ],
      { cwd: root, encoding: 'utf8' },
    );
  const first = run(join(models, '..', 'out1'));
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout + first.stderr, /wrote .*loom-tiny_00001\.png/);
  const built = builds(models);
  assert.equal(built.size, 1);

  const second = run(join(models, '..', 'out2'));
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(builds(models), built, 'the second run rebuilt');
  assert.ok(existsSync(join(models, '..', 'out2', 'loom-tiny_00001.png')));
});
