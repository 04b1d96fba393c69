import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertComfyMap, comfyClassByType, comfyInputNamer, comfyInputOrder, comfyMapProblems, type ComfyMap } from './comfy-map.ts';
import { LoomError } from './errors.ts';
import { NodeRegistry } from './registry.ts';
import { stubNodes } from './testing/stub-nodes.ts';

const registry = new NodeRegistry(stubNodes);
// Scale declares the link x, then the parameters factor and mode.
const multiply = { type: 'Scale', inputs: { input: 'x', amount: 'factor' }, inputOrder: ['amount', 'input'] };

test('comfyInputNamer: our name → ComfyUI name, unchanged when not renamed or without a mapping', () => {
  const nameOf = comfyInputNamer(multiply);
  assert.deepEqual(['x', 'factor', 'mode'].map(nameOf), ['input', 'amount', 'mode']);
  assert.equal(comfyInputNamer(undefined)('x'), 'x');
});

test('comfyInputOrder: the declared ComfyUI order first, then the rest; links before parameters by default', () => {
  const scale = registry.get('Scale');
  assert.ok(scale);
  assert.deepEqual(comfyInputOrder(scale), ['x', 'factor', 'mode']);
  assert.deepEqual(comfyInputOrder(scale, multiply), ['factor', 'x', 'mode']);
  assert.deepEqual(comfyInputOrder(scale, { type: 'Scale', inputOrder: ['mode'] }), ['mode', 'x', 'factor']);
});

test('comfyClassByType: the first alias of a type is the one it exports as', () => {
  const map: ComfyMap = { Multiply: multiply, Times: { type: 'Scale' }, Constant: { type: 'Source' } };
  assert.deepEqual(
    [...comfyClassByType(map)].map(([type, [className]]) => [type, className]),
    [
      ['Scale', 'Multiply'],
      ['Source', 'Constant'],
    ],
  );
});

test('comfyMapProblems: a missing node type, renamed input, listed output or ordered input is reported by class', () => {
  assert.deepEqual(comfyMapProblems({ Multiply: multiply, Collect: { type: 'Collect' } }, registry), []);
  const problems = comfyMapProblems(
    {
      Gone: { type: 'NoSuchNode' },
      Multiply: { type: 'Scale', inputs: { input: 'y' }, outputs: ['result'], inputOrder: ['input', 'amount', 'mode', 'mode'] },
    },
    registry,
  );
  assert.deepEqual(
    problems.map((p) => [p.code, p.input]),
    [
      ['UNKNOWN_NODE_TYPE', undefined],
      ['UNKNOWN_INPUT', 'input'],
      ['LINK_TO_MISSING_OUTPUT', undefined],
      ['UNKNOWN_INPUT', 'input'],
      ['UNKNOWN_INPUT', 'amount'],
      ['UNKNOWN_INPUT', 'mode'],
    ],
  );
  assert.match(problems[0]?.message ?? '', /"Gone" maps to node type "NoSuchNode", which is not registered/);
  assert.match(problems[1]?.message ?? '', /"Multiply" renames input "input" to "y", which Scale does not declare/);
  assert.match(problems[5]?.message ?? '', /orders input "mode" twice/);
});

test('assertComfyMap throws one LoomError listing every problem, naming the source', () => {
  assert.doesNotThrow(() => assertComfyMap({ Multiply: multiply }, registry, 'test aliases'));
  assert.throws(
    () => assertComfyMap({ Gone: { type: 'NoSuchNode' }, Bad: { type: 'Scale', inputs: { input: 'y' } } }, registry, 'test aliases'),
    (err: unknown) =>
      err instanceof LoomError &&
      err.code === 'VALIDATION_FAILED' &&
      err.problems.length === 2 &&
      /^test aliases: 2 ComfyUI alias problems/.test(err.message) &&
      /"Gone"/.test(err.message) &&
      /"Bad"/.test(err.message),
  );
});
