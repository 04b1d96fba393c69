/**
 * LoRAs through the node pack's own runners (LoRALoader's handles → branch sessions) against the torch
 * references, plus ComfyUI's strength semantics at the graph level.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectStore, type Graph, type NodeContext } from '@loom/engine';
import { readPipeline, type Conditioning, type ImageBatch } from '@loom/nodes';
import { openModel } from '../../packages/nodes/src/sd/model-session.ts';
import { predictNoise } from '../../packages/nodes/src/sd/unet.ts';
import { readSafetensors, toBigInt64 } from '../helpers/safetensors-lite.ts';
import { fixturesDir, modelsDir, reference, relativeError, root, tensor, tinyHost, txt2img } from './harness.ts';

interface ReferenceEntry {
  file: string;
  pipeline: string;
  lora: string | null;
  format: string | null;
  rank: number | null;
  strength: number | null;
}
const index = (JSON.parse(readFileSync(join(fixturesDir, 'reference/index.json'), 'utf8')) as { files: ReferenceEntry[] }).files;
const config = { modelsDir, outputDir: '', inputDir: '', tempDir: '', device: 'cpu' as const, threads: 1 };
const store = new ObjectStore(2 ** 32);
const ctx = { objects: store.forRun('lora-test'), log: { info() {}, warn() {} }, throwIfCancelled() {} } as unknown as NodeContext;
const row = (data: Float32Array, r: number) => data.subarray((data.length / 2) * r, (data.length / 2) * (r + 1));

test('the UNet through a LoRA branch session matches torch for the seed-format LoRAs, ranks and strengths', async () => {
  const cases = index.filter((e) => e.format === 'seed' && e.lora);
  assert.ok(cases.length >= 12, `found ${cases.length} seed-format references`);
  for (const entry of cases) {
    const files = await readPipeline(join(modelsDir, entry.pipeline));
    const unet = await openModel(files.unet, 'unet', [{ file: join(root, entry.lora!), name: entry.lora!, strength: entry.strength! }], config, ctx);
    const inputs = reference(entry.pipeline, 'inputs');
    const expected = tensor(readSafetensors(join(root, entry.file)), 'unet.out_sample');
    const t = inputs.tensors.get('unet.timestep')!;
    const timesteps = t.dtype === 'I64' ? [...toBigInt64(t)].map(Number) : [...tensor(inputs, 'unet.timestep')];
    const hidden = tensor(inputs, 'unet.encoder_hidden_states');
    for (const r of [0, 1]) {
      const dim = hidden.length / 2 / 77;
      const cond: Conditioning = {
        kind: 'conditioning',
        family: files.family,
        embeds: row(hidden, r),
        tokens: 77,
        dim,
        padWindow: new Float32Array(77 * dim),
        empty: false,
        prompt: '',
      };
      if (files.family === 'sdxl') cond.pooled = row(tensor(inputs, 'unet.text_embeds'), r);
      const timeIds = files.family === 'sdxl' ? [...row(tensor(inputs, 'unet.time_ids'), r)] : undefined;
      const eps = await predictNoise(unet, row(tensor(inputs, 'unet.sample'), r), [1, 4, 8, 8], timesteps[timesteps.length === 1 ? 0 : r] as number, {
        positive: cond,
        negative: cond,
        cfg: 1,
        ...(timeIds && { timeIds }),
      });
      const error = relativeError(eps, row(expected, r));
      assert.ok(error < 1e-4, `${entry.file} row ${r}: relative error ${error}`);
    }
  }
});

const withLora = (strengthModel: number, strengthClip = strengthModel, lora = 'tiny-sd15/pytorch_lora_weights_8.safetensors'): Graph => {
  const g = txt2img({ seed: 9, steps: 4 });
  g.nodes.lora = {
    type: 'LoRALoader',
    inputs: { model: { node: 'loader', output: 'model' }, clip: { node: 'loader', output: 'clip' }, lora, strengthModel, strengthClip },
  };
  (g.nodes.sampler as { inputs: Record<string, unknown> }).inputs.model = { node: 'lora', output: 'model' };
  return g;
};
const pixels = async (graph: Graph) => ((await tinyHost().engine.run(graph)).outputs.get('decode')?.images as ImageBatch).pixels;

test('strength 0 on both passes the base model through; strength changes the image; LoRAs stack', async () => {
  const base = await pixels(txt2img({ seed: 9, steps: 4 }));
  assert.deepEqual(await pixels(withLora(0, 0)), base);
  const full = await pixels(withLora(1));
  const half = await pixels(withLora(0.5));
  assert.ok(relativeError(full, base) > 1e-3 && relativeError(half, base) > 1e-3);
  assert.ok(relativeError(half, base) < relativeError(full, base), 'half strength moves the image less');
  const stacked = withLora(1);
  stacked.nodes.lora2 = {
    type: 'LoRALoader',
    inputs: { model: { node: 'lora', output: 'model' }, clip: { node: 'lora', output: 'clip' }, lora: 'tiny-sd15/pytorch_lora_weights_4.safetensors' },
  };
  (stacked.nodes.sampler as { inputs: Record<string, unknown> }).inputs.model = { node: 'lora2', output: 'model' };
  const both = await pixels(stacked);
  assert.ok(relativeError(both, full) > 1e-3, 'a second LoRA in the chain changes the result again');
});

test('switching LoRA or strength on one engine creates no new session', async () => {
  const host = tinyHost();
  await host.engine.run(withLora(1, 1, 'tiny-sd15/pytorch_lora_weights_4.safetensors'));
  const created = host.engine.objects.stats().misses;
  for (const [s, lora] of [
    [0.5, 'tiny-sd15/pytorch_lora_weights_4.safetensors'],
    [1, 'tiny-sd15/pytorch_lora_weights_8.safetensors'],
    [0.7, 'tiny-sd15/pytorch_lora_weights_16.safetensors'],
  ] as const) {
    const result = await host.engine.run(withLora(s, s, lora));
    assert.ok(result.executed.includes('sampler'));
  }
  // The branch session, the patcher, the text encodings (the tiny LoRAs leave CLIP alone) and the
  // VAE are all reused: switching adds nothing to the object cache.
  assert.equal(host.engine.objects.stats().misses, created);
});
