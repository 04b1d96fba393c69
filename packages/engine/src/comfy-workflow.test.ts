import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ComfyMap } from './comfy-map.ts';
import { comfyWorkflowToPrompt, importComfyWorkflow, isComfyWorkflow, registryWidgets } from './comfy-workflow.ts';
import { exportComfyWorkflow } from './comfy-workflow-export.ts';
import { NodeRegistry } from './registry.ts';
import { validateGraph } from './validate.ts';
import { LoomError } from './errors.ts';
import { stubNodes } from './testing/stub-nodes.ts';
import { builtinNodes } from './builtins/index.ts';

const registry = new NodeRegistry([...stubNodes, ...builtinNodes]);
const map: ComfyMap = {
  Constant: { type: 'Source', inputs: { number: 'value' } },
  Multiply: { type: 'Scale', inputs: { input: 'x', amount: 'factor', op: 'mode' } },
};

/** A "Save"d workflow: a reroute, a primitive feeding a converted widget, a bypassed node, a seed with its control value, a note and a group. */
const workflow = {
  last_node_id: 7,
  last_link_id: 4,
  nodes: [
    {
      id: 1,
      type: 'Constant',
      pos: [10, 20],
      size: { 0: 200, 1: 60 },
      mode: 0,
      title: 'Two',
      inputs: [],
      outputs: [{ name: 'FLOAT', type: 'FLOAT', links: [1] }],
      widgets_values: [2],
    },
    { id: 2, type: 'Reroute', pos: [200, 20], inputs: [{ name: '', type: '*', link: 1 }], outputs: [{ name: '', type: 'FLOAT', links: [2] }] },
    {
      id: 3,
      type: 'Multiply',
      pos: [300, 20],
      mode: 0,
      inputs: [
        { name: 'input', type: 'FLOAT', link: 2 },
        { name: 'amount', type: 'FLOAT', widget: { name: 'amount' }, link: 4 },
      ],
      widgets_values: [9, 'div'],
    },
    { id: 4, type: 'PrimitiveNode', outputs: [{ name: 'FLOAT', type: 'FLOAT', links: [4], widget: { name: 'amount' } }], widgets_values: [3, 'fixed'] },
    { id: 5, type: 'Collect', mode: 4, inputs: [{ name: 'a', type: 'FLOAT', link: 3 }], widgets_values: ['final'] },
    { id: 6, type: 'Seed', mode: 2, inputs: [], widgets_values: [42, 'randomize', 'fixed'] },
    { id: 7, type: 'Note', widgets_values: ['just a note'] },
  ],
  links: [
    [1, 1, 0, 2, 0, 'FLOAT'],
    [2, 2, 0, 3, 0, 'FLOAT'],
    [3, 3, 0, 5, 0, 'FLOAT'],
    [4, 4, 0, 3, 1, 'FLOAT'],
  ],
  groups: [{ title: 'Maths', bounding: [0, 0, 500, 200], color: '#3f789e', font_size: 24 }],
  config: {},
  extra: {},
  version: 0.4,
};

test('a UI workflow becomes the API prompt the frontend would send: reroutes followed, primitives inlined, widgets by declared order', () => {
  assert.ok(isComfyWorkflow(workflow));
  const { prompt, modes } = comfyWorkflowToPrompt(workflow, registryWidgets(registry, map));
  assert.deepEqual(prompt, {
    '1': { class_type: 'Constant', inputs: { number: 2 }, _meta: { title: 'Two' } },
    // The primitive's value overrides the stale widget value; the reroute is followed to node 1.
    '3': { class_type: 'Multiply', inputs: { amount: 3, op: 'div', input: ['1', 0] }, _meta: { title: 'Multiply' } },
    '5': { class_type: 'Collect', inputs: { label: 'final', a: ['3', 0] }, _meta: { title: 'Collect' } },
    // The control_after_generate value after the seed is skipped.
    '6': { class_type: 'Seed', inputs: { seed: 42, mode: 'fixed' }, _meta: { title: 'Seed' } },
  });
  assert.deepEqual(modes, { '5': 'bypass', '6': 'mute' });
});

test('importComfyWorkflow keeps titles, positions, sizes, modes and groups, and keeps the workflow for PNG metadata', () => {
  const graph = importComfyWorkflow(workflow, registry, map);
  assert.deepEqual(graph.nodes['1'], { type: 'Source', inputs: { value: 2 }, ui: { title: 'Two', position: [10, 20], size: [200, 60] } });
  assert.deepEqual(graph.nodes['3']?.inputs, { factor: 3, mode: 'div', x: { node: '1', output: 'out' } });
  assert.equal(graph.nodes['5']?.mode, 'bypass');
  assert.equal(graph.nodes['6']?.mode, 'mute');
  assert.deepEqual(graph.meta?.groups, [{ title: 'Maths', bounding: [0, 0, 500, 200], color: '#3f789e' }]);
  assert.equal((graph.meta?.comfy as { extraPngInfo: { workflow: unknown } }).extraPngInfo.workflow, workflow);
  assert.equal(validateGraph(graph, registry).ok, true);
});

test('export to UI format and back gives the same graph (ids, links, linked parameters, modes, groups)', () => {
  const graph = {
    version: 1 as const,
    nodes: {
      two: { type: 'Source', inputs: { value: 2 }, ui: { position: [5, 6] as [number, number], title: 'Two' } },
      seed: { type: 'Seed', inputs: { seed: 7, mode: 'fixed' } },
      times: { type: 'Scale', inputs: { x: { node: 'two', output: 'out' }, factor: { node: 'two', output: 'out' }, mode: 'mul' }, mode: 'bypass' as const },
      out: { type: 'Collect', inputs: { a: { node: 'times', output: 'y' }, b: { node: 'two', output: 'out' }, label: 'x' } },
    },
    meta: { groups: [{ title: 'G', bounding: [0, 0, 10, 10] }], title: 'demo' },
  };
  const ui = exportComfyWorkflow(graph, registry, { map });
  const nodes = ui.nodes as { type: string; widgets_values: unknown[]; mode: number; outputs: { links: number[] }[] }[];
  assert.deepEqual(
    nodes.map((n) => n.type),
    ['Constant', 'Seed', 'Multiply', 'Collect'],
  );
  assert.deepEqual(nodes[1]?.widgets_values, [7, 'fixed', 'fixed']);
  assert.equal(nodes[2]?.mode, 4);
  assert.deepEqual(nodes[0]?.outputs[0]?.links, [1, 2, 4]);
  assert.equal((ui.links as unknown[]).length, 4);
  const back = importComfyWorkflow(JSON.parse(JSON.stringify(ui)), registry, map);
  for (const [id, node] of Object.entries(graph.nodes)) {
    assert.deepEqual(back.nodes[id]?.inputs, node.inputs, id);
    assert.equal(back.nodes[id]?.mode, (node as { mode?: string }).mode, id);
  }
  assert.deepEqual(back.nodes.two?.ui?.position, [5, 6]);
  assert.equal(back.nodes.two?.ui?.title, 'Two');
  assert.deepEqual(back.meta?.groups, [{ title: 'G', bounding: [0, 0, 10, 10] }]);
});

test('malformed workflows and subgraphs fail with INVALID_GRAPH saying what to do', () => {
  assert.throws(
    () => importComfyWorkflow({ nodes: [{ id: 1 }] }, registry),
    (err: unknown) => err instanceof LoomError && err.code === 'INVALID_GRAPH' && /nodes\.0\.type/.test(err.message),
  );
  assert.throws(() => importComfyWorkflow({ nodes: [], definitions: { subgraphs: [{}] } }, registry), /Unpack subgraph/);
});
