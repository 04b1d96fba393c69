import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Graph, ServerCatalog } from '../api/types.ts';
import { CatalogIndex } from './catalog-index.ts';
import { nodeInstance, fromGraph } from './serialize.ts';

const catalog: ServerCatalog = {
  portTypes: [{ name: 'STRING', description: 'Text', color: '#8fbf6a' }],
  nodes: [
    {
      type: 'Text',
      category: 'primitive',
      description: 'A string',
      output: false,
      inputs: [],
      params: [{ name: 'value', description: '', widget: 'text', linkType: null, required: false, default: '', schema: { type: 'string', default: '' } }],
      outputs: [{ name: 'text', type: 'STRING' }],
    },
  ],
  comfyAliases: {},
  comfyMap: {},
};

test('mode, collapse and colour survive a save and load, and clearing them leaves no trace', async () => {
  const graph: Graph = {
    version: 1,
    nodes: { a: { type: 'Text', inputs: { value: 'x' }, mode: 'bypass', ui: { position: [10, 20], collapsed: true, color: 'purple', seedModes: {} } } },
  };
  const placed = await fromGraph(graph, new CatalogIndex(catalog));
  const node = placed.nodes[0]!.node;
  assert.deepEqual(node.look(), { mode: 'bypass', collapsed: true, color: 'purple' });
  assert.deepEqual(nodeInstance(node, [], { x: 10, y: 20 }), graph.nodes.a);

  node.setLook({ mode: 'mute' });
  assert.deepEqual(nodeInstance(node, []), { type: 'Text', inputs: { value: 'x' }, mode: 'mute', ui: { seedModes: {} } });
  node.setLook({});
  assert.equal('mode' in nodeInstance(node, []), false);
});
