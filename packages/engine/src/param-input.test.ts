import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySetting, parseSetting } from './param-input.ts';
import { NodeRegistry } from './registry.ts';
import { LoomError } from './errors.ts';
import { stubNodes } from './testing/stub-nodes.ts';
import { builtinNodes } from './builtins/index.ts';

const registry = new NodeRegistry([...stubNodes, ...builtinNodes]);
const graph = {
  version: 1 as const,
  nodes: {
    'src.1': { type: 'Source', inputs: { value: 1 } },
    k: { type: 'Scale', inputs: { x: { node: 'src.1', output: 'out' } } },
    seed: { type: 'Seed', inputs: {} },
    text: { type: 'String', inputs: {} },
    flag: { type: 'Boolean', inputs: {} },
  },
};
const code = (c: string) => (err: unknown) => err instanceof LoomError && err.code === c;

test('parses node.input=value with dotted node ids', () => {
  assert.deepEqual(parseSetting('src.1.value=3'), { nodeId: 'src.1', input: 'value', text: '3' });
  assert.deepEqual(parseSetting('text.value=a=b'), { nodeId: 'text', input: 'value', text: 'a=b' });
  assert.throws(() => parseSetting('novalue'), code('USAGE'));
  assert.throws(() => parseSetting('.x=1'), code('USAGE'));
});

test('values are parsed by the parameter schema', () => {
  assert.equal(applySetting(graph, registry, 'src.1.value=-2.5').nodes['src.1']?.inputs.value, -2.5);
  assert.equal(applySetting(graph, registry, 'seed.seed=42').nodes.seed?.inputs.seed, 42);
  assert.equal(applySetting(graph, registry, 'k.mode=div').nodes.k?.inputs.mode, 'div');
  assert.equal(applySetting(graph, registry, 'text.value=12').nodes.text?.inputs.value, '12');
  assert.equal(applySetting(graph, registry, 'flag.value=yes').nodes.flag?.inputs.value, true);
  assert.equal('mode' in graph.nodes.k.inputs, false, 'the original graph is not modified');
});

test('bad values name the node and input and say what is allowed', () => {
  assert.throws(
    () => applySetting(graph, registry, 'seed.seed=1.5'),
    (err: unknown) => err instanceof LoomError && err.code === 'PARAM_INVALID' && err.nodeId === 'seed' && /integer/i.test(err.message),
  );
  assert.throws(
    () => applySetting(graph, registry, 'k.factor=abc'),
    (err: unknown) => err instanceof LoomError && err.code === 'PARAM_INVALID' && /got "abc"/.test(err.message) && /must be a number/.test(err.message),
  );
  assert.throws(
    () => applySetting(graph, registry, 'seed.seed=12x'),
    (err: unknown) => err instanceof LoomError && /got "12x"/.test(err.message) && !/null/.test(err.message),
  );
  assert.throws(
    () => applySetting(graph, registry, 'k.mode=pow'),
    (err: unknown) => err instanceof LoomError && /mul/.test(err.message),
  );
  assert.throws(() => applySetting(graph, registry, 'nope.value=1'), code('USAGE'));
  assert.throws(
    () => applySetting(graph, registry, 'k.factr=1'),
    (err: unknown) => err instanceof LoomError && /Did you mean "factor"/.test(err.message),
  );
  assert.throws(
    () => applySetting(graph, registry, 'k.x=1'),
    (err: unknown) => err instanceof LoomError && /takes a link/.test(err.message),
  );
});
