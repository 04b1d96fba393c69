import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogEntry, ObjectInfo, ServerCatalog } from '../api/types.ts';
import { comfyClassMap, importComfyPrompt, isComfyPrompt } from './comfy-import.ts';
import { graphFromJson } from './load-document.ts';

const entry = (type: string, inputs: [string, string][], params: string[], outputs: [string, string][]): CatalogEntry => ({
  type,
  category: 'test',
  description: '',
  output: false,
  inputs: inputs.map(([name, t]) => ({ name, type: t, description: '', optional: false })),
  params: params.map((name) => ({ name, description: '', widget: 'number', linkType: 'INT', required: false, schema: { type: 'integer' } })),
  outputs: outputs.map(([name, t]) => ({ name, type: t })),
});

// Our types, with ComfyUI's aliases as the server publishes them (catalog `comfyAliases`, and
// /object_info entries listing ComfyUI's input names in our declaration order, outputs by type).
const catalog: ServerCatalog = {
  portTypes: [],
  nodes: [
    entry('ModelLoader', [], ['pipeline'], [['model', 'MODEL'], ['clip', 'CLIP'], ['vae', 'VAE']]),
    entry('TextEncoder', [['clip', 'CLIP']], ['text'], [['conditioning', 'CONDITIONING']]),
    entry('EmptyLatent', [], ['width', 'height', 'batchSize'], [['latent', 'LATENT']]),
    entry('UNetSampler', [['model', 'MODEL'], ['positive', 'CONDITIONING'], ['negative', 'CONDITIONING'], ['latent', 'LATENT']], ['seed', 'steps', 'cfg', 'sampler', 'schedule', 'denoise'], [['latent', 'LATENT']]),
    entry('VAEDecode', [['vae', 'VAE'], ['latent', 'LATENT']], [], [['images', 'IMAGE']]),
    entry('SaveImage', [['images', 'IMAGE']], ['filenamePrefix'], []),
  ],
  comfyAliases: { CheckpointLoaderSimple: 'ModelLoader', CLIPTextEncode: 'TextEncoder', EmptyLatentImage: 'EmptyLatent', KSampler: 'UNetSampler', VAEDecode: 'VAEDecode', SaveImage: 'SaveImage' },
};
const info = (required: string[], output: string[]) => ({ input: { required: Object.fromEntries(required.map((n) => [n, ['INT', {}]])) }, input_order: { required }, output, output_name: output }) as ObjectInfo[string];
const objectInfo: ObjectInfo = {
  CheckpointLoaderSimple: info(['ckpt_name'], ['MODEL', 'CLIP', 'VAE']),
  CLIPTextEncode: info(['clip', 'text'], ['CONDITIONING']),
  EmptyLatentImage: info(['width', 'height', 'batch_size'], ['LATENT']),
  KSampler: info(['model', 'positive', 'negative', 'latent_image', 'seed', 'steps', 'cfg', 'sampler_name', 'scheduler', 'denoise'], ['LATENT']),
  VAEDecode: info(['vae', 'samples'], ['IMAGE']),
  SaveImage: info(['images', 'filename_prefix'], []),
};

// ComfyUI's default text-to-image workflow in API format ("Save (API Format)" of the stock graph).
const DEFAULT_WORKFLOW = {
  '3': { class_type: 'KSampler', inputs: { seed: 156680208700286, steps: 20, cfg: 8, sampler_name: 'euler', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
  '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'v1-5-pruned-emaonly.safetensors' } },
  '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 512, batch_size: 1 } },
  '6': { class_type: 'CLIPTextEncode', inputs: { text: 'beautiful scenery nature glass bottle landscape, , purple galaxy bottle,', clip: ['4', 1] } },
  '7': { class_type: 'CLIPTextEncode', inputs: { text: 'text, watermark', clip: ['4', 1] } },
  '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
  '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
};

test('ComfyUI default workflow becomes our nodes, inputs and links', () => {
  const graph = importComfyPrompt(DEFAULT_WORKFLOW, comfyClassMap(catalog, objectInfo));
  assert.deepEqual(graph.nodes['3'], {
    type: 'UNetSampler',
    inputs: { seed: 156680208700286, steps: 20, cfg: 8, sampler: 'euler', schedule: 'normal', denoise: 1, model: { node: '4', output: 'model' }, positive: { node: '6', output: 'conditioning' }, negative: { node: '7', output: 'conditioning' }, latent: { node: '5', output: 'latent' } },
  });
  assert.deepEqual(graph.nodes['4'], { type: 'ModelLoader', inputs: { pipeline: 'v1-5-pruned-emaonly.safetensors' } });
  assert.deepEqual(graph.nodes['5']?.inputs, { width: 512, height: 512, batchSize: 1 });
  assert.deepEqual(graph.nodes['6']?.inputs.clip, { node: '4', output: 'clip' });
  assert.deepEqual(graph.nodes['8']?.inputs, { latent: { node: '3', output: 'latent' }, vae: { node: '4', output: 'vae' } });
  assert.deepEqual(graph.nodes['9']?.inputs, { filenamePrefix: 'ComfyUI', images: { node: '8', output: 'images' } });
});

test('unknown classes and bad output indices survive for validation to name them', () => {
  const graph = importComfyPrompt({ '1': { class_type: 'FancyNode', inputs: { x: ['2', 5], y: { __value__: [1, 2] } } }, '2': { class_type: 'VAEDecode', inputs: {} } }, comfyClassMap(catalog, objectInfo));
  assert.deepEqual(graph.nodes['1'], { type: 'FancyNode', inputs: { x: { node: '2', output: '#5' }, y: [1, 2] } });
});

test('documents are told apart: native graph, bare or wrapped prompt, UI workflow', () => {
  const classes = comfyClassMap(catalog, objectInfo);
  assert.equal(isComfyPrompt({ version: 1, nodes: {} }), false);
  assert.equal(graphFromJson({ version: 1, nodes: {} }, classes, 'a.json').source, 'a.json (Loom graph)');
  assert.equal(graphFromJson({ prompt: DEFAULT_WORKFLOW, client_id: 'x' }, classes, 'b.json').graph.nodes['3']?.type, 'UNetSampler');
  assert.throws(() => graphFromJson({ nodes: [], links: [] }, classes, 'ui.json'), /UI workflow.*API Format/);
  assert.throws(() => graphFromJson({ hello: 1 }, classes, 'c.json'), /c.json is neither a Loom graph .* nor a ComfyUI API-format prompt/);
});
