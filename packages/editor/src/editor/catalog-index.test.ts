import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerCatalog } from '../api/types.ts';
import { CatalogIndex } from './catalog-index.ts';

test('fresh ids lower the first word of the type and count up when taken', () => {
  const none = () => false;
  const ids = ['TextEncoder', 'VAEDecode', 'UNetSampler', 'LoRALoader', 'ImageUpscaleWithModel', 'Int', 'IOThing'].map((t) => CatalogIndex.freshId(t, none));
  assert.deepEqual(ids, ['textEncoder', 'vaeDecode', 'unetSampler', 'loraLoader', 'imageUpscaleWithModel', 'int', 'ioThing']);
  const taken = new Set(['textEncoder', 'textEncoder2']);
  assert.equal(
    CatalogIndex.freshId('TextEncoder', (id) => taken.has(id)),
    'textEncoder3',
  );
});

const catalog: ServerCatalog = {
  portTypes: [
    { name: 'CLIP', description: 'text encoder', color: '#ffd54f' },
    { name: 'STRING', description: 'Text', color: '#8fbf6a' },
  ],
  nodes: [
    {
      type: 'TextEncoder',
      category: 'conditioning',
      description: 'Encodes a prompt',
      output: false,
      inputs: [{ name: 'clip', type: 'CLIP', description: '', optional: false }],
      params: [
        { name: 'text', description: '', widget: 'textarea', linkType: 'STRING', required: false, default: '', schema: { type: 'string', default: '' } },
        { name: 'weights', description: '', widget: 'json', linkType: null, required: false, default: [1, 2], schema: {} },
      ],
      outputs: [{ name: 'conditioning', type: 'CONDITIONING' }],
    },
  ],
  comfyAliases: {},
  comfyMap: {},
};

test('a node has typed port inputs, a socket for each linkable parameter, outputs and default values', () => {
  const index = new CatalogIndex(catalog);
  const node = index.createNode('pos', 'TextEncoder');
  assert.equal(node.id, 'pos');
  assert.deepEqual(Object.keys(node.inputs), ['clip', 'text'], 'a JSON parameter has no socket');
  assert.equal(node.inputs.clip?.socket.color, '#ffd54f');
  assert.equal(node.inputs.text?.socket.type, 'STRING');
  assert.deepEqual(Object.keys(node.outputs), ['conditioning']);
  assert.equal(node.outputs.conditioning?.socket.color, '#9e9e9e', 'a type the catalog does not colour is grey');
  assert.deepEqual(node.values, { text: '', weights: [1, 2] });
  assert.notEqual(node.values.weights, catalog.nodes[0]?.params[1]?.default, 'defaults are copied, not shared');
  assert.equal(index.createNode('x', 'Nope').entry, undefined);
});

test('search finds a node by the ComfyUI names it serves, and nothing for a name nobody serves', () => {
  const index = new CatalogIndex({ ...catalog, comfyAliases: { CLIPTextEncode: 'TextEncoder', KSampler: 'UNetSampler' } });
  assert.deepEqual(
    index.search('cliptext').map((e) => e.type),
    ['TextEncoder'],
  );
  assert.deepEqual(
    index.search('TextEnc').map((e) => e.type),
    ['TextEncoder'],
  );
  assert.deepEqual(index.aliasesOf('TextEncoder'), ['CLIPTextEncode']);
  assert.deepEqual(index.search('KSamplerAdvanced'), []);
});
