import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, statSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoomError } from '@loom/engine';
import type { ComponentWeights, ModelComponents } from '../components.ts';
import { loadDiffusersFolder } from '../diffusers-folder.ts';
import { loadSingleFile } from './single-file.ts';

const FIXTURES = fileURLToPath(new URL('../../../../../test/fixtures/checkpoints/', import.meta.url));
const COMPONENTS = ['unet', 'vae', 'textEncoder', 'textEncoder2'] as const;
const FOLDER: Record<(typeof COMPONENTS)[number], string> = { unet: 'unet', vae: 'vae', textEncoder: 'text_encoder', textEncoder2: 'text_encoder_2' };

async function closeAll(c: ModelComponents): Promise<void> {
  for (const k of COMPONENTS) await c[k]?.weights.close();
}

/** Same names, and values equal within F16 rounding (the single files are F16, the folders partly F32). */
async function assertSameWeights(a: ComponentWeights, b: ComponentWeights, label: string): Promise<void> {
  const names = (c: ComponentWeights) =>
    c.weights
      .names()
      .filter((n) => !n.endsWith('position_ids'))
      .sort();
  assert.deepEqual(names(a), names(b), `${label}: tensor names`);
  for (const name of names(a)) {
    assert.deepEqual(a.weights.info(name)?.shape, b.weights.info(name)?.shape, `${label}: ${name} shape`);
    const [x, y] = [await a.weights.readFloat32(name), await b.weights.readFloat32(name)];
    for (let i = 0; i < x.length; i++) {
      assert.ok(Math.abs(x[i]! - y[i]!) <= Math.abs(y[i]!) * 2 ** -11 + 2 ** -24, `${label}: ${name}[${i}] ${x[i]} vs ${y[i]}`);
    }
  }
}

for (const [file, folder, kind] of [
  ['tiny-sd15.safetensors', 'tiny-sd15-diffusers', 'sd15'],
  ['tiny-sd15-ema.ckpt', 'tiny-sd15-diffusers', 'sd15'],
  ['tiny-sdxl.safetensors', 'tiny-sdxl-diffusers', 'sdxl'],
] as const) {
  test(`${file}: ${kind}, every component renamed to the diffusers folder's names and values, configs equal to its config.json`, async () => {
    const single = await loadSingleFile(join(FIXTURES, file));
    const pipeline = await loadDiffusersFolder(join(FIXTURES, folder));
    try {
      assert.equal(single.kind, kind);
      assert.equal(pipeline.kind, kind);
      assert.equal(single.scheduler._class_name, pipeline.scheduler._class_name);
      for (const k of COMPONENTS) {
        const [a, b] = [single[k], pipeline[k]];
        assert.equal(a === undefined, b === undefined, k);
        if (!a || !b) continue;
        const expected = JSON.parse(readFileSync(join(FIXTURES, folder, FOLDER[k], 'config.json'), 'utf8')) as Record<string, unknown>;
        for (const [key, value] of Object.entries(expected)) {
          if (key.startsWith('_') || key === 'torch_dtype' || key === 'transformers_version') continue;
          assert.deepEqual(a.config[key], value, `${file} ${k}.${key}`);
        }
        await assertSameWeights(a, b, `${file} ${k}`);
      }
    } finally {
      await closeAll(single);
      await closeAll(pipeline);
    }
  });
}

interface FullShapes {
  ldm: Record<string, number[]>;
  configs: Record<string, Record<string, unknown>>;
  diffusers_names: Record<string, { count: number; sha256: string }>;
}
const FULL = JSON.parse(readFileSync(join(FIXTURES, 'full-shapes.json'), 'utf8')) as Record<'sd15' | 'sdxl', FullShapes>;
const tmp = mkdtempSync(join(tmpdir(), 'loom-sparse-'));

/** A safetensors file with real names and shapes whose F16 data is a hole: gigabytes long, ~nothing on disk. */
function sparseCheckpoint(name: string, shapes: Record<string, number[]>): string {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [key, shape] of Object.entries(shapes)) {
    const bytes = shape.reduce((n, d) => n * d, 1) * 2;
    header[key] = { dtype: 'F16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const path = join(tmp, name);
  const fd = openSync(path, 'w');
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  writeSync(fd, size);
  writeSync(fd, json);
  ftruncateSync(fd, 8 + json.length + offset);
  closeSync(fd);
  return path;
}

const STRUCTURE: Record<string, string[]> = {
  unet: [
    'in_channels',
    'out_channels',
    'block_out_channels',
    'layers_per_block',
    'down_block_types',
    'up_block_types',
    'attention_head_dim',
    'cross_attention_dim',
    'use_linear_projection',
    'norm_num_groups',
    'sample_size',
  ],
  vae: ['block_out_channels', 'layers_per_block', 'latent_channels', 'norm_num_groups', 'scaling_factor', 'in_channels', 'out_channels'],
  text_encoder: ['hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'vocab_size', 'max_position_embeddings', 'hidden_act'],
  text_encoder_2: [
    'hidden_size',
    'num_hidden_layers',
    'num_attention_heads',
    'intermediate_size',
    'vocab_size',
    'max_position_embeddings',
    'hidden_act',
    'projection_dim',
  ],
};
const SDXL_ONLY: Record<string, string[]> = {
  unet: ['transformer_layers_per_block', 'addition_embed_type', 'addition_time_embed_dim', 'projection_class_embeddings_input_dim'],
};

for (const family of ['sd15', 'sdxl'] as const) {
  test(`full-size ${family} single file (sparse, no .yaml): real configs and diffusers names from shapes alone`, async () => {
    const full = FULL[family];
    const path = sparseCheckpoint(`${family}.safetensors`, full.ldm);
    assert.ok(statSync(path).size > 1.5e9, 'the file is full size');
    const c = await loadSingleFile(path);
    try {
      assert.equal(c.kind, family);
      for (const k of COMPONENTS) {
        const comp = c[k];
        const folder = FOLDER[k];
        if (!full.configs[folder]) {
          assert.equal(comp, undefined);
          continue;
        }
        assert.ok(comp, `${k} detected`);
        const keys = [...STRUCTURE[folder]!, ...(family === 'sdxl' ? (SDXL_ONLY[folder] ?? []) : [])];
        // keys a real config omits take diffusers' defaults; the ones it has must match
        const present = keys.filter((key) => key in full.configs[folder]!);
        assert.ok(present.length >= keys.length - 1, `${folder}: the real config has the structural keys`);
        for (const key of present) assert.deepEqual(comp.config[key], full.configs[folder]![key], `${family} ${folder}.${key}`);
        const names = comp.weights
          .names()
          .filter((n) => !(folder === 'text_encoder_2' && n.endsWith('position_ids')))
          .sort();
        const digest = createHash('sha256').update(names.join('\n')).digest('hex');
        assert.deepEqual({ count: names.length, sha256: digest }, full.diffusers_names[folder], `${family} ${folder} names`);
      }
    } finally {
      await closeAll(c);
    }
  });
}

test('a 9-channel UNet is detected as inpainting', async () => {
  const shapes = { ...FULL.sd15.ldm, 'model.diffusion_model.input_blocks.0.0.weight': [320, 9, 3, 3] };
  const c = await loadSingleFile(sparseCheckpoint('sd15-inpainting.safetensors', shapes));
  assert.equal(c.kind, 'sd15-inpaint');
  assert.equal(c.unet.config.in_channels, 9);
  await closeAll(c);
});

test('an unknown architecture is UNSUPPORTED_MODEL listing key prefixes and channel counts', async () => {
  const sd2 = Object.fromEntries(Object.entries(FULL.sd15.ldm).filter(([k]) => !k.startsWith('cond_stage_model.')));
  sd2['cond_stage_model.model.token_embedding.weight'] = [49408, 1024];
  const path = sparseCheckpoint('sd2.safetensors', sd2);
  await assert.rejects(loadSingleFile(path), (err: unknown) => {
    assert.ok(err instanceof LoomError);
    assert.equal(err.code, 'UNSUPPORTED_MODEL');
    assert.match(err.message, /sd2\.safetensors: not an SD1\.x or SDXL checkpoint/);
    assert.match(err.message, /model\.diffusion_model\.\* \(686\)/);
    assert.match(err.message, /cond_stage_model\.model\.\* \(1\)/);
    assert.match(err.message, /input_blocks\.0\.0\.weight has shape \[320, 4, 3, 3\]/);
    return true;
  });
});
