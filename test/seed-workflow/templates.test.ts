/**
 * Every template in graphs/ runs on the embedded tiny models. Names are substituted the way a user
 * would with `run-graph --set` (this uses the same `applySetting`): real pipelines → tiny-sd15 /
 * tiny-sdxl, the seed's LoRA files → the tiny LoRAs at the same rank, 64 px wide images, 1 step, at most 2
 * safety attempts, one prompt and seed per comparison. Hires-fix templates must end at twice the
 * trained size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { applySetting, isLink, type Graph } from '@loom/engine';
import { testHost, root } from './helpers/host.ts';

const graphsDir = join(root, 'graphs');
const files = readdirSync(graphsDir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const host = testHost();
const readme = readFileSync(join(graphsDir, 'README.md'), 'utf8');

/** `--set` lines that put a template on the tiny models. */
function tinySettings(graph: Graph): string[] {
  const settings: string[] = [];
  const nodes = Object.entries(graph.nodes);
  const loader = nodes.find(([, n]) => n.type === 'ModelLoader');
  const pipeline = String(loader?.[1].inputs.pipeline ?? 'tiny-sd15');
  const tiny = /xl/i.test(pipeline) ? 'tiny-sdxl' : 'tiny-sd15';
  if (loader) settings.push(`${loader[0]}.pipeline=${tiny}`);
  const loraFile = (name: unknown): string | undefined => {
    const rank = /pytorch_lora_weights_(\d+)\.safetensors$/.exec(String(name))?.[1];
    return rank === undefined ? undefined : `${tiny}/pytorch_lora_weights_${rank}.safetensors`;
  };
  const latent = nodes.find(([, n]) => n.type === 'EmptyLatent');
  const factor = 64 / Number(latent?.[1].inputs.width ?? 64);
  // The tiny UNets downsample latents twice: image sides must stay multiples of 32.
  const scaled = (v: unknown): number => Math.max(32, Math.round((Number(v) * factor) / 32) * 32);
  for (const [id, node] of nodes) {
    const inputs = node.inputs;
    if (node.type === 'LoRALoader' && !isLink(inputs.lora)) settings.push(`${id}.lora=${loraFile(inputs.lora) ?? inputs.lora}`);
    if (node.type === 'String' && loraFile(inputs.value)) settings.push(`${id}.value=${loraFile(inputs.value)}`);
    if (['EmptyLatent', 'LatentUpscale', 'ImageScale'].includes(node.type))
      settings.push(`${id}.width=${scaled(inputs.width)}`, `${id}.height=${scaled(inputs.height)}`);
    if (node.type === 'UNetSampler') settings.push(`${id}.steps=1`, `${id}.preview=false`);
    if (node.type === 'SafetyRetry') settings.push(`${id}.maxAttempts=2`, `${id}.policy=keep`);
    if (node.type === 'ComparisonGrid') {
      type V = { label: string; rank?: number; set: Record<string, unknown> };
      const variants = (inputs.variants as V[]).map((v) => ({ ...v, set: { ...v.set, ...(v.set.lora !== undefined && { lora: loraFile(v.set.lora) }) } }));
      settings.push(`${id}.variants=${JSON.stringify(variants)}`, `${id}.prompts=[0]`, `${id}.seeds=[7]`);
    }
  }
  return settings;
}

test('graphs/ holds a template for every seed combination, tiny SD1.5 LoRA ranks and the hires fix', () => {
  for (const name of [
    'dreamshaper.json',
    'dreamshaper-genshin-lora-r4.json',
    'dreamshaper-genshin-lora-r8.json',
    'dreamshaper-genshin-lora-r16.json',
    'sdxl-base.json',
    'sdxl-genshin-lora.json',
    'tiny-sd15-lora-r4.json',
    'tiny-sd15-lora-r8.json',
    'tiny-sd15-lora-r16.json',
    'hires-fix-tiny-sd15.json',
  ]) {
    assert.ok(files.includes(name), name);
  }
  for (const name of files) assert.ok(readme.includes(name), `graphs/README.md documents ${name}`);
  for (const expected of [
    'models/dreamshaper/',
    'models/sdxl-base/',
    'models/checkpoints/',
    'models/loras/dreamshaper-genshin/pytorch_lora_weights_{4,8,16}.safetensors',
    'models/loras/sd-xl-genshin/pytorch_lora_weights_4.safetensors',
  ]) {
    assert.ok(readme.includes(expected), `graphs/README.md names ${expected}`);
  }
});

for (const name of files) {
  test(`${name} runs on the tiny models`, async () => {
    const template = JSON.parse(readFileSync(join(graphsDir, name), 'utf8')) as Graph;
    assert.equal(typeof template.meta?.title, 'string');
    assert.equal(typeof template.meta?.description, 'string');
    // A template is a valid graph; the only problems allowed are model files not installed here.
    const checked = host.engine.validate(template);
    const problems = checked.ok ? [] : checked.problems.filter((p) => p.code !== 'MODEL_NOT_FOUND');
    assert.deepEqual(problems, []);
    const graph = tinySettings(template).reduce((g, s) => applySetting(g, host.registry, s), template);
    const result = await host.run(graph);
    const latent = Object.values(graph.nodes).find((n) => n.type === 'EmptyLatent')?.inputs ?? {};
    const saved = Object.values(result.ui).flatMap((ui) => (ui.images ?? []) as { filename: string; subfolder: string }[]);
    assert.ok(saved.length > 0, 'the template writes an image');
    for (const file of saved) {
      const { width, height } = await sharp(join(host.config.outputDir, file.subfolder, file.filename)).metadata();
      if (name.startsWith('hires-fix')) assert.deepEqual([width, height], [128, 128], 'twice the tiny model’s trained 64 px');
      else if (!name.startsWith('compare-')) assert.deepEqual([width, height], [latent.width, latent.height]);
    }
  });
}
