/** Bad input gets a clear error naming the node and input at fault; cancelling leaves no partial file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { LoomError, type Graph } from '@loom/engine';
import { fixturesDir, root, tinyHost, txt2img } from './harness.ts';

async function failure(graph: Graph, host = tinyHost()): Promise<LoomError> {
  try {
    await host.engine.run(graph);
  } catch (err) {
    assert.ok(err instanceof LoomError, String(err));
    return err;
  }
  assert.fail('the run should have failed');
}

const withInputs = (graph: Graph, nodeId: string, inputs: Record<string, unknown>): Graph => {
  const node = graph.nodes[nodeId] as { inputs: Record<string, unknown> };
  Object.assign(node.inputs, inputs);
  return graph;
};

test("a missing model folder is MODEL_NOT_FOUND on the loader's pipeline input", async () => {
  const err = await failure(txt2img({ pipeline: 'dreamshaper-onnx' }));
  assert.deepEqual([err.code, err.nodeId, err.input], ['MODEL_NOT_FOUND', 'loader', 'pipeline']);
  assert.match(err.message, /dreamshaper-onnx does not exist/);
});

test('a folder in the wrong layout is UNSUPPORTED_MODEL, saying what is expected', async () => {
  const host = tinyHost({ modelsDir: join(tinyHost().outDir, 'models') });
  mkdirSync(join(host.config.modelsDir, 'checkpoint'), { recursive: true });
  writeFileSync(join(host.config.modelsDir, 'checkpoint', 'model.safetensors'), 'not onnx');
  const err = await failure(txt2img({ pipeline: 'checkpoint' }), host);
  assert.deepEqual([err.code, err.nodeId, err.input], ['UNSUPPORTED_MODEL', 'loader', 'pipeline']);
  assert.match(err.message, /no model_index\.json.*Optimum/);
});

test('hostile paths are refused before anything is read', async () => {
  for (const name of ['../tiny-sd15', '/etc', 'a/../../x']) {
    const err = await failure(txt2img({ pipeline: name }));
    assert.deepEqual([err.code, err.nodeId, err.input], ['PARAM_INVALID', 'loader', 'pipeline'], name);
  }
});

test('out-of-range parameters are caught by validation, all at once', async () => {
  const graph = withInputs(withInputs(txt2img(), 'sampler', { sampler: 'heun', steps: -5 }), 'latent', { width: 100 });
  const err = await failure(graph);
  assert.equal(err.code, 'VALIDATION_FAILED');
  const found = err.problems.map((p) => `${p.nodeId}.${p.input}: ${p.message}`);
  assert.equal(found.length, 3);
  assert.match(found.find((f) => f.startsWith('sampler.sampler')) ?? '', /must be one of euler, euler_ancestral, ddim, dpmpp_2m, lcm \(got "heun"\)/);
  assert.match(found.find((f) => f.startsWith('sampler.steps')) ?? '', /must be at least 1 \(got -5\)/);
  assert.match(found.find((f) => f.startsWith('latent.width')) ?? '', /multiple of 8/);
});

test('Karras sigmas with a sampler that has none is an error on the schedule input, found at validation', async () => {
  const err = await failure(withInputs(txt2img(), 'sampler', { sampler: 'ddim', schedule: 'karras' }));
  assert.equal(err.code, 'VALIDATION_FAILED');
  assert.deepEqual(
    err.problems.map((p) => [p.code, p.nodeId, p.input]),
    [['PARAM_INVALID', 'sampler', 'schedule']],
  );
});

test("a file that is not an image is BAD_FILE on LoadImage's image input", async () => {
  const host = tinyHost();
  mkdirSync(host.config.inputDir, { recursive: true });
  writeFileSync(join(host.config.inputDir, 'notes.png'), 'hello, I am text');
  const graph: Graph = {
    version: 1,
    nodes: {
      img: { type: 'LoadImage', inputs: { image: 'notes.png' } },
      show: { type: 'PreviewImage', inputs: { images: { node: 'img', output: 'images' } } },
    },
  };
  const err = await failure(graph, host);
  assert.deepEqual([err.code, err.nodeId, err.input], ['BAD_FILE', 'img', 'image']);
  assert.match(err.message, /notes\.png is not an image/);
  const missing = await failure(withInputs(graph, 'img', { image: 'nope.png' }), host);
  assert.deepEqual([missing.code, missing.input], ['MODEL_NOT_FOUND', 'image']);
});

test('an explicit GPU device that cannot work fails with the install hint', async () => {
  const host = tinyHost();
  const { createHost } = await import('../../packages/server/src/host.ts');
  const cuda = createHost({ ...host.config, device: 'cuda' });
  const err = await failure(txt2img(), { ...cuda, outDir: host.outDir });
  assert.equal(err.code, 'DEVICE_UNAVAILABLE');
  assert.match(err.message, /npm run gpu:install-cuda/);
});

test('Ctrl-C during sampling exits 130 and leaves no file, not even a temporary one', async () => {
  const outDir = join(tinyHost().outDir, 'cancelled');
  const graphFile = join(outDir, '..', 'long.json');
  writeFileSync(graphFile, JSON.stringify(txt2img({ steps: 400 })));
  const child = spawn(process.execPath, [join(root, 'packages/server/bin/run-graph.js'), graphFile, '--out', outDir, '--json'], { cwd: root });
  let stdout = '';
  let sent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!sent && /"node.progress","runId":"[^"]+","nodeId":"sampler","value":3,/.test(stdout)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130);
  assert.match(stdout, /"run.cancelled"/);
  const left = (() => {
    try {
      return readdirSync(outDir);
    } catch {
      return [];
    }
  })();
  assert.deepEqual(left, []);
});

test('LoRA problems fail on the LoRALoader node: LyCORIS by name, and a LoRA for another model', async () => {
  const host = tinyHost({ modelsDir: join(tinyHost().outDir, 'models') });
  const { cpSync } = await import('node:fs');
  cpSync(join(root, 'models/tiny-sd15'), join(host.config.modelsDir, 'tiny-sd15'), { recursive: true });
  cpSync(join(fixturesDir, 'loras'), join(host.config.modelsDir, 'loras'), { recursive: true });
  const graph = (lora: string): Graph => {
    const g = txt2img();
    g.nodes.lora = { type: 'LoRALoader', inputs: { model: { node: 'loader', output: 'model' }, clip: { node: 'loader', output: 'clip' }, lora } };
    (g.nodes.sampler as { inputs: Record<string, unknown> }).inputs.model = { node: 'lora', output: 'model' };
    return g;
  };
  const loha = await failure(graph('sd15/loha/loha.safetensors'), host);
  assert.deepEqual([loha.code, loha.nodeId, loha.input], ['BAD_FILE', 'lora', 'lora']);
  assert.match(loha.message, /LoHa/i);
  const sdxl = await failure(graph('sdxl/kohya/pytorch_lora_weights_4.safetensors'), host);
  assert.deepEqual([sdxl.code, sdxl.nodeId, sdxl.input], ['BAD_FILE', 'lora', 'lora']);
  assert.match(sdxl.message, /pytorch_lora_weights_4\.safetensors: module .* is \d+×\d+ but .*tiny-sd15.* has \d+×\d+ .*another base model/);
  const missing = await failure(graph('nope.safetensors'), host);
  assert.equal(missing.code, 'VALIDATION_FAILED', 'a missing file is found before anything runs');
  assert.deepEqual(
    missing.problems.map((p) => [p.code, p.nodeId, p.input]),
    [['MODEL_NOT_FOUND', 'lora', 'lora']],
  );
});

test('an image size the UNet cannot halve is refused before the UNet runs, with the sizes that work', async () => {
  // Validation sees EmptyLatent's size; an encoded image's size is known only at run time.
  const host = tinyHost();
  const checked = host.engine.validate(txt2img({ width: 72, height: 64 }));
  assert.equal(checked.ok, false);
  assert.deepEqual(
    checked.problems.map((p) => [p.code, p.nodeId, p.input]),
    [['PARAM_INVALID', 'sampler', 'latent']],
  );
  mkdirSync(host.config.inputDir, { recursive: true });
  writeFileSync(
    join(host.config.inputDir, 'odd.png'),
    await sharp({ create: { width: 72, height: 72, channels: 3, background: { r: 9, g: 9, b: 9 } } })
      .png()
      .toBuffer(),
  );
  const g = txt2img({ steps: 2 });
  g.nodes.image = { type: 'LoadImage', inputs: { image: 'odd.png' } };
  g.nodes.encode = { type: 'VAEEncode', inputs: { vae: { node: 'loader', output: 'vae' }, images: { node: 'image', output: 'images' } } };
  (g.nodes.sampler as { inputs: Record<string, unknown> }).inputs.latent = { node: 'encode', output: 'latent' };
  delete g.nodes.latent;
  const err = await failure(g, host);
  assert.deepEqual([err.code, err.nodeId, err.input], ['PARAM_INVALID', 'sampler', 'latent']);
  assert.match(
    err.message,
    /Image size 72×72 does not fit the UNet of "tiny-sd15": .*multiples of 16\. Nearest sizes: width 72 → 64 or 80, height 72 → 64 or 80\.$/,
  );
});

test('a scheduler config key the chosen sampler cannot honour is refused at validation, naming file, key and scheduler', () => {
  const host = tinyHost({ modelsDir: join(tinyHost().outDir, 'models') });
  cpSync(join(root, 'models', 'tiny-sd15'), join(host.config.modelsDir, 'tiny-sd15'), { recursive: true });
  const configPath = join(host.config.modelsDir, 'tiny-sd15', 'scheduler', 'scheduler_config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(configPath, JSON.stringify({ ...config, solver_order: 2, algorithm_type: 'dpmsolver' }));
  const dpm = host.engine.validate(withInputs(txt2img(), 'sampler', { sampler: 'dpmpp_2m' }));
  assert.equal(dpm.ok, false);
  assert.deepEqual(
    dpm.problems.map((p) => [p.code, p.nodeId, p.input]),
    [['UNSUPPORTED_MODEL', 'sampler', 'sampler']],
  );
  assert.match(
    dpm.problems[0]?.message ?? '',
    /^tiny-sd15\/scheduler\/scheduler_config\.json: Scheduler config key algorithm_type: "dpmsolver" is not supported by the dpmpp_2m scheduler/,
  );
  assert.ok(host.engine.validate(withInputs(txt2img(), 'sampler', { sampler: 'euler' })).ok, "Euler drops DPM-Solver's keys, as diffusers' from_config does");
});
