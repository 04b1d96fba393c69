/**
 * A ComfyUI UI-format workflow (the litegraph JSON of "Save": reroutes, a primitive driving the seed,
 * groups, a note) runs from `run-graph` on the tiny SD1.5 pipeline and gives the same picture as the
 * equivalent native graph (ComfyUI's KSampler and CLIPTextEncode, which Loom declares under those names);
 * the saved PNG carries that workflow as ComfyUI's `workflow` chunk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { readPngText } from '@loom/nodes';
import { root, tinyHost, txt2img } from './pipeline/harness.ts';

const workflowFile = join(root, 'test/comfy-workflows/txt2img-ui.json');

function runGraph(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(root, 'packages/server/bin/run-graph.js'), ...args], {
    env: { ...process.env, LOOM_MODELS: join(root, 'models') },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => void (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const rgb = async (file: string): Promise<Buffer> => sharp(file).raw().toBuffer();

test('a UI-format workflow with reroutes, a seed primitive and groups runs from run-graph like the native graph', async () => {
  const out = mkdtempSync(join(tmpdir(), 'loom-ui-workflow-'));
  const result = await runGraph([workflowFile, '--out', out, '--device', 'cpu', '--threads', '1', '--quiet']);
  assert.equal(result.code, 0, result.stderr);
  const [saved] = readdirSync(out).filter((f) => f.endsWith('.png'));
  assert.ok(saved, `no PNG in ${out}: ${result.stdout}`);

  // txt2img's graph with ComfyUI's sampler and text encoder, as the workflow uses them.
  const graph = txt2img({ seed: 7, steps: 6 });
  const { sampler, positive, negative } = graph.nodes;
  graph.nodes.positive = { type: 'CLIPTextEncode', inputs: positive!.inputs };
  graph.nodes.negative = { type: 'CLIPTextEncode', inputs: negative!.inputs };
  const { latent, ...samplerInputs } = sampler!.inputs;
  graph.nodes.sampler = { type: 'KSampler', inputs: { ...samplerInputs, latentImage: latent, cfg: 7, samplerName: 'euler', scheduler: 'normal', denoise: 1 } };
  const host = tinyHost();
  const native = await host.engine.run(graph);
  const nativeFile = join(host.config.outputDir, (native.ui.save?.images?.[0] as { filename: string }).filename);
  assert.ok((await rgb(join(out, saved))).equals(await rgb(nativeFile)), 'same pixels as the native graph with the same settings');

  const text = readPngText(readFileSync(join(out, saved)));
  assert.deepEqual(JSON.parse(text.workflow ?? ''), JSON.parse(readFileSync(workflowFile, 'utf8')), 'the workflow chunk is the file as saved by ComfyUI');
  const prompt = JSON.parse(text.prompt ?? '') as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
  assert.deepEqual(prompt['3']?.inputs, {
    seed: 7,
    steps: 6,
    cfg: 7,
    sampler_name: 'euler',
    scheduler: 'normal',
    denoise: 1,
    model: ['4', 0],
    positive: ['6', 0],
    negative: ['7', 0],
    latent_image: ['5', 0],
  });
  assert.equal(prompt['10'], undefined, 'reroutes never reach the prompt');
});

test('run-graph --export turns a UI workflow into the native graph, an API prompt or back into a UI workflow', async () => {
  const loom = await runGraph([workflowFile, '--export', 'loom']);
  assert.equal(loom.code, 0, loom.stderr);
  const graph = JSON.parse(loom.stdout) as { nodes: Record<string, { type: string; ui?: { title?: string } }>; meta: { groups: { title: string }[] } };
  assert.deepEqual(
    Object.values(graph.nodes)
      .map((n) => n.type)
      .sort(),
    ['CLIPTextEncode', 'CLIPTextEncode', 'EmptyLatent', 'KSampler', 'ModelLoader', 'SaveImage', 'VAEDecode'],
  );
  assert.equal(graph.nodes['6']?.ui?.title, 'Positive');
  assert.deepEqual(
    graph.meta.groups.map((g) => g.title),
    ['Prompts', 'Sampling'],
  );
  const ui = await runGraph([workflowFile, '--export', 'comfy-ui', '--set', '3.steps=4']);
  const sampler = (JSON.parse(ui.stdout) as { nodes: { id: number; type: string; widgets_values: unknown[] }[] }).nodes.find((n) => n.id === 3);
  assert.equal(sampler?.type, 'KSampler');
  assert.deepEqual(sampler?.widgets_values.slice(0, 7), [7, 'fixed', 4, 7, 'euler', 'normal', 1]);
  const bad = await runGraph([workflowFile, '--export', 'yaml']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--export must be one of loom, comfy-api, comfy-ui/);
});
