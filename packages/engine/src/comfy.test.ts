import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportComfyPrompt, importComfyPrompt, isComfyPrompt } from './comfy.ts';
import type { ComfyMap } from './comfy-map.ts';
import { NodeRegistry } from './registry.ts';
import { validateGraph } from './validate.ts';
import { LoomError } from './errors.ts';
import { stubNodes } from './testing/stub-nodes.ts';
import { builtinNodes } from './builtins/index.ts';

const registry = new NodeRegistry([...stubNodes, ...builtinNodes]);
/** A pretend alias: ComfyUI-style names for our stub nodes, with renamed and ignored inputs. */
const map: ComfyMap = {
  Constant: { type: 'Source', inputs: { number: 'value' } },
  Multiply: { type: 'Scale', inputs: { input: 'x', amount: 'factor', op: 'mode' }, ignore: ['upload'] },
};

test('imports API-format prompts: class aliases, [id, index] links, renamed and ignored inputs, __value__ lists', () => {
  const prompt = {
    '3': { class_type: 'Constant', inputs: { number: 2 }, _meta: { title: 'Two' } },
    '4': { class_type: 'Multiply', inputs: { input: ['3', 0], amount: 3, op: 'mul', upload: 'image' } },
    '9': { class_type: 'Collect', inputs: { a: [4, 0], label: { __value__: ['x', 'y'] } } },
  };
  assert.ok(isComfyPrompt(prompt));
  const graph = importComfyPrompt(prompt, registry, map);
  assert.deepEqual(graph, {
    version: 1,
    nodes: {
      '3': { type: 'Source', inputs: { value: 2 }, ui: { title: 'Two' } },
      '4': { type: 'Scale', inputs: { x: { node: '3', output: 'out' }, factor: 3, mode: 'mul' } },
      '9': { type: 'Collect', inputs: { a: { node: '4', output: 'y' }, label: ['x', 'y'] } },
    },
  });
  // The list literal then fails validation against Collect's string label, naming node and input.
  const result = validateGraph(graph, registry);
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.problems.map((p) => [p.code, p.nodeId, p.input]),
    [['PARAM_INVALID', '9', 'label']],
  );
});

test('a link to an output index that does not exist is reported by validation', () => {
  const graph = importComfyPrompt({ '1': { class_type: 'Source', inputs: {} }, '2': { class_type: 'Collect', inputs: { a: ['1', 3] } } }, registry);
  const result = validateGraph(graph, registry);
  assert.deepEqual(
    result.problems.map((p) => p.code),
    ['LINK_TO_MISSING_OUTPUT'],
  );
  assert.match(result.problems[0]?.message ?? '', /"#3"/);
});

test('malformed prompts are INVALID_GRAPH naming the node', () => {
  assert.throws(
    () => importComfyPrompt({ '5': { inputs: {} } }, registry),
    (err: unknown) => err instanceof LoomError && err.code === 'INVALID_GRAPH' && err.nodeId === '5',
  );
  assert.equal(isComfyPrompt({ version: 1, nodes: {} }), false);
  assert.equal(isComfyPrompt([]), false);
});

test('export then import gives back the same graph, with aliases and list literals', () => {
  const graph = {
    version: 1 as const,
    nodes: {
      a: { type: 'Source', inputs: { value: 4 } },
      b: { type: 'Scale', inputs: { x: { node: 'a', output: 'out' }, factor: 1.5, mode: 'div' } },
      c: { type: 'Collect', inputs: { a: { node: 'b', output: 'y' }, b: { node: 'a', output: 'out' }, label: 'z' } },
    },
  };
  const prompt = exportComfyPrompt(graph, registry, { map });
  assert.deepEqual(prompt.a, { class_type: 'Constant', inputs: { number: 4 }, _meta: { title: 'Constant' } });
  assert.deepEqual(prompt.b, { class_type: 'Multiply', inputs: { input: ['a', 0], amount: 1.5, op: 'div' }, _meta: { title: 'Multiply' } });
  const back = importComfyPrompt(prompt, registry, map);
  for (const id of Object.keys(graph.nodes)) assert.deepEqual(back.nodes[id]?.inputs, graph.nodes[id as 'a'].inputs);
  assert.deepEqual(exportComfyPrompt({ version: 1, nodes: { t: { type: 'String', inputs: { value: 'hi' } } } }, registry).t, {
    class_type: 'String',
    inputs: { value: 'hi' },
    _meta: { title: 'String' },
  });
  const withList = exportComfyPrompt({ version: 1, nodes: { t: { type: 'String', inputs: { value: [1, 2] } } } }, registry);
  assert.deepEqual((withList.t as { inputs: unknown }).inputs, { value: { __value__: [1, 2] } });
});
