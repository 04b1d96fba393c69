/**
 * The builder on real SD1.5 and SDXL architectures without their weights: test/fixtures/builder/full-size.json
 * holds the real configs and every parameter's name and shape (from the full-size replicas on torch's meta
 * device, tools/tiny-sd/loom_tiny_sd/builder_fixtures.py). Each graph must declare exactly the source's
 * tensors (none missing, none left unused) with the right element counts, and the I/O the runtime expects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTextEncoder, buildUnet, buildVaeDecoder, buildVaeEncoder, type GraphBuilder } from '../../packages/nodes/src/builder/index.ts';
import type { WeightSource } from '../../packages/nodes/src/weights/weight-source.ts';
import { builderDir } from './harness.ts';

type Entry = { config: Record<string, unknown>; tensors: [string, number[]][] };
const full = JSON.parse(readFileSync(join(builderDir, 'full-size.json'), 'utf8')) as Record<string, Entry>;

/** A source that knows names and shapes only; reading data is a test failure (nothing is written here). */
function shapes(key: string): WeightSource {
  const map = new Map(full[key]!.tensors);
  return {
    origin: `full-size.json#${key}`,
    names: () => [...map.keys()],
    info: (name) => (map.has(name) ? { name, dtype: 'F32', shape: map.get(name)! } : undefined),
    readFloat32: () => Promise.reject(new Error('shape-only source')),
    readBytes: () => Promise.reject(new Error('shape-only source')),
    close: async () => {},
  };
}

const count = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Asserts the graphs together declare every tensor of `key` once, with its element count. */
function consumesAll(key: string, ...graphs: GraphBuilder[]): void {
  const declared = new Map(graphs.flatMap((g) => g.weights.map((w) => [w.name, count(w.dims)] as const)));
  const expected = new Map(full[key]!.tensors.map(([n, s]) => [n, count(s)] as const));
  assert.deepEqual([...declared.keys()].sort(), [...expected.keys()].sort(), `${key}: declared weights = the checkpoint's tensors`);
  for (const [n, c] of expected) assert.equal(declared.get(n), c, n);
}

const io = (g: GraphBuilder, which: 'inputs' | 'outputs'): Record<string, (number | string)[]> =>
  Object.fromEntries(g[which].map((v) => [v.name, v.type!.tensorType!.shape!.dim.map((d) => d.dimParam || Number(d.dimValue))]));

test('SD1.5 UNet, CLIP ViT-L and VAE at full size: every tensor used, real I/O', () => {
  const unet = buildUnet(full['sd15/unet']!.config, shapes('sd15/unet'));
  consumesAll('sd15/unet', unet);
  assert.deepEqual(io(unet, 'inputs'), {
    sample: ['batch_size', 4, 'height', 'width'],
    timestep: ['batch_size'],
    encoder_hidden_states: ['batch_size', 'sequence_length', 768],
  });
  const te = buildTextEncoder(full['sd15/text_encoder']!.config, shapes('sd15/text_encoder'));
  consumesAll('sd15/text_encoder', te);
  assert.equal(te.outputs.filter((o) => o.name.startsWith('hidden_states.')).length, 13);
  const vae = shapes('sd15/vae');
  consumesAll('sd15/vae', buildVaeEncoder(full['sd15/vae']!.config, vae), buildVaeDecoder(full['sd15/vae']!.config, vae));
});

test('SDXL UNet and OpenCLIP bigG at full size: every tensor used, text_time inputs, pooled projection', () => {
  const unet = buildUnet(full['sdxl/unet']!.config, shapes('sdxl/unet'));
  consumesAll('sdxl/unet', unet);
  assert.deepEqual(io(unet, 'inputs'), {
    sample: ['batch_size', 4, 'height', 'width'],
    timestep: ['batch_size'],
    encoder_hidden_states: ['batch_size', 'sequence_length', 2048],
    text_embeds: ['batch_size', 1280],
    time_ids: ['batch_size', 6],
  });
  const te2 = buildTextEncoder(full['sdxl/text_encoder_2']!.config, shapes('sdxl/text_encoder_2'), 'text_encoder_2');
  consumesAll('sdxl/text_encoder_2', te2);
  const outputs = io(te2, 'outputs');
  assert.deepEqual(outputs.text_embeds, ['batch_size', 1280]);
  assert.ok(outputs['hidden_states.31'] && outputs['hidden_states.32'] && !outputs['hidden_states.33'], 'hidden_states.0 … 32 (the runtime reads .31)');
});
