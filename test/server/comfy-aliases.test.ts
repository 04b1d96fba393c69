/**
 * The node pack's ComfyUI aliases against the real registry: every alias names a registered node and
 * inputs it declares (hosts refuse a wrong one at start), and `/object_info` lists each class's inputs in
 * the order ComfyUI's `INPUT_TYPES` declares them. The expected orders are read off ComfyUI's nodes.py
 * (https://github.com/comfyanonymous/ComfyUI/blob/master/nodes.py), not computed from our declarations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoomError, comfyMapProblems } from '@loom/engine';
import { comfyAliases } from '../../packages/nodes/src/comfy-aliases.ts';
import { buildObjectInfo } from '../../packages/server/src/comfy/object-info.ts';
import { createServer } from '../../packages/server/src/create-server.ts';
import { ModelFolders } from '../../packages/server/src/files/model-folders.ts';
import { createHost } from '../../packages/server/src/host.ts';
import { makeDirs, stubHost } from './helpers/test-server.ts';

const scratch = mkdtempSync(join(tmpdir(), 'loom-aliases-'));
const dirs = { modelsDir: join(scratch, 'models'), inputDir: join(scratch, 'in'), outputDir: join(scratch, 'out'), tempDir: join(scratch, 'temp') };
const host = createHost({ ...dirs, device: 'cpu', threads: 1 });

/** `INPUT_TYPES()["required"]` key order of ComfyUI's classes, as nodes.py declares them. */
const COMFY_REQUIRED_ORDER: Record<string, string[]> = {
  CheckpointLoaderSimple: ['ckpt_name'],
  LoraLoader: ['model', 'clip', 'lora_name', 'strength_model', 'strength_clip'],
  LoraLoaderModelOnly: ['model', 'lora_name', 'strength_model'],
  CLIPTextEncode: ['text', 'clip'],
  CLIPSetLastLayer: ['clip', 'stop_at_clip_layer'],
  EmptyLatentImage: ['width', 'height', 'batch_size'],
  KSampler: ['model', 'seed', 'steps', 'cfg', 'sampler_name', 'scheduler', 'positive', 'negative', 'latent_image', 'denoise'],
  KSamplerAdvanced: [
    'model',
    'add_noise',
    'noise_seed',
    'steps',
    'cfg',
    'sampler_name',
    'scheduler',
    'positive',
    'negative',
    'latent_image',
    'start_at_step',
    'end_at_step',
    'return_with_leftover_noise',
  ],
  VAEDecode: ['samples', 'vae'],
  VAEEncode: ['pixels', 'vae'],
  VAEEncodeForInpaint: ['pixels', 'vae', 'mask', 'grow_mask_by'],
  SaveImage: ['images', 'filename_prefix'],
  LatentUpscale: ['samples', 'upscale_method', 'width', 'height', 'crop'],
  LatentUpscaleBy: ['samples', 'upscale_method', 'scale_by'],
  ImageScale: ['image', 'upscale_method', 'width', 'height', 'crop'],
  ConditioningSetArea: ['conditioning', 'width', 'height', 'x', 'y', 'strength'],
  ConditioningAverage: ['conditioning_to', 'conditioning_from', 'conditioning_to_strength'],
  ImageCrop: ['image', 'width', 'height', 'x', 'y'],
  ImagePadForOutpaint: ['image', 'left', 'top', 'right', 'bottom', 'feathering'],
  EmptyImage: ['width', 'height', 'batch_size', 'color'],
  LatentFromBatch: ['samples', 'batch_index', 'length'],
};

test('every ComfyUI alias of the node pack names a registered node and inputs it declares', () => {
  assert.deepEqual(comfyMapProblems(comfyAliases, host.registry), []);
});

test('/object_info lists inputs in ComfyUI INPUT_TYPES order, links and widgets interleaved', async () => {
  const info = await buildObjectInfo(host.registry, host.comfyMap, new ModelFolders(dirs));
  for (const [className, expected] of Object.entries(COMFY_REQUIRED_ORDER)) {
    const entry = info[className];
    assert.ok(entry, className);
    // Loom's own extra widgets (e.g. VAEDecode's tiling) follow ComfyUI's inputs.
    assert.deepEqual(entry.input_order.required.slice(0, expected.length), expected, `${className} input_order`);
    assert.deepEqual(Object.keys(entry.input.required).slice(0, expected.length), expected, `${className} input.required keys`);
  }
  assert.deepEqual(info.VAEDecode?.input_order.required, ['samples', 'vae', 'tileSize', 'tileOverlap']);
});

test('a server whose host has an alias naming a missing input refuses to start', async () => {
  const bad = makeDirs();
  await assert.rejects(
    createServer({ host: stubHost(bad, { ComfyCollect: { type: 'Collect', inputs: { first: 'nope' } } }), dataDir: bad.data, log: () => {} }),
    (err: unknown) => err instanceof LoomError && /"ComfyCollect" renames input "first" to "nope", which Collect does not declare/.test(err.message),
  );
});
