import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerCatalog } from '../api/types.ts';
import { comfyImporter } from './comfy-import.ts';

const catalog: ServerCatalog = {
  portTypes: [{ name: 'STRING', description: 'Text', color: '#8fbf6a' }],
  nodes: [
    {
      type: 'StringJoin',
      category: 'utils/text',
      description: 'Joins texts',
      output: false,
      inputs: [],
      params: ['a', 'b', 'separator'].map((name) => ({
        name,
        description: '',
        widget: 'text' as const,
        linkType: 'STRING',
        required: false,
        default: '',
        schema: { type: 'string' },
      })),
      outputs: [{ name: 'text', type: 'STRING' }],
    },
    {
      type: 'ShowText',
      category: 'utils/text',
      description: 'Shows a text',
      output: true,
      inputs: [],
      params: [{ name: 'text', description: '', widget: 'textarea', linkType: 'STRING', required: false, default: '', schema: { type: 'string' } }],
      outputs: [],
    },
  ],
  comfyAliases: { JoinStrings: 'StringJoin' },
  comfyMap: { JoinStrings: { type: 'StringJoin', inputs: { first: 'a', second: 'b' } } },
};

test("the editor reads ComfyUI files with the engine's importers, on the catalog's node shapes", () => {
  const comfy = comfyImporter(catalog);
  // API format: class and input names through the map, links by output index.
  const api = comfy.prompt({
    '1': { class_type: 'JoinStrings', inputs: { first: 'x', second: 'y', separator: '-' } },
    '2': { class_type: 'ShowText', inputs: { text: ['1', 0] } },
  });
  assert.deepEqual(api.nodes['1'], { type: 'StringJoin', inputs: { a: 'x', b: 'y', separator: '-' } });
  assert.deepEqual(api.nodes['2']?.inputs, { text: { node: '1', output: 'text' } });
  // UI format: widgets_values in the declared parameter order, a muted node, a reroute resolved.
  const ui = comfy.workflow({
    version: 0.4,
    nodes: [
      { id: 1, type: 'JoinStrings', mode: 0, widgets_values: ['x', 'y', '-'], outputs: [{ name: 'STRING', type: 'STRING', links: [1] }] },
      { id: 3, type: 'Reroute', mode: 0, inputs: [{ name: '', type: '*', link: 1 }], outputs: [{ name: '', type: 'STRING', links: [2] }] },
      { id: 2, type: 'ShowText', mode: 2, inputs: [{ name: 'text', type: 'STRING', link: 2, widget: { name: 'text' } }], widgets_values: [''] },
    ],
    links: [
      [1, 1, 0, 3, 0, 'STRING'],
      [2, 3, 0, 2, 0, 'STRING'],
    ],
    groups: [],
  });
  assert.deepEqual(ui.nodes['1']?.inputs, { a: 'x', b: 'y', separator: '-' });
  assert.deepEqual(ui.nodes['2']?.inputs.text, { node: '1', output: 'text' });
  assert.equal(ui.nodes['2']?.mode, 'mute');
  assert.equal(ui.nodes['3'], undefined, 'the reroute is gone');
});
