import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeRegistry } from './registry.ts';
import { validateGraph } from './validate.ts';
import { defineNode } from './node.ts';
import { FLOAT } from './port-types.ts';
import { stubNodes } from './testing/stub-nodes.ts';
import { builtinNodes } from './builtins/index.ts';

const registry = new NodeRegistry([...stubNodes, ...builtinNodes]);
const problemsOf = (doc: unknown) => {
  const result = validateGraph(doc, registry);
  assert.equal(result.ok, false, 'expected the graph to be invalid');
  return result.problems;
};

test('a valid graph yields a plan with defaults filled in', () => {
  const result = validateGraph(
    { version: 1, nodes: { s: { type: 'Source', inputs: {} }, c: { type: 'Collect', inputs: { a: { node: 's', output: 'out' } } } } },
    registry,
  );
  assert.ok(result.ok);
  assert.deepEqual(result.plan.nodes.get('s')?.literals, { value: 1 });
  assert.deepEqual(result.plan.nodes.get('c')?.links, { a: { node: 's', output: 'out' } });
});

test('malformed documents are INVALID_GRAPH naming the place', () => {
  const problems = problemsOf({ version: 2, nodes: { n1: { inputs: {} } } });
  assert.ok(problems.every((p) => p.code === 'INVALID_GRAPH'));
  assert.ok(problems.some((p) => p.nodeId === 'n1' && /type/.test(p.message)));
  assert.ok(problems.some((p) => /version/.test(p.message)));
});

test('every problem is collected, each naming node, input and a fix', () => {
  const problems = problemsOf({
    version: 1,
    nodes: {
      s: { type: 'Source', inputs: { value: 5000, colour: 1 } },
      x: { type: 'Sorce', inputs: {} },
      k: { type: 'Scale', inputs: { x: { node: 's', output: 'out' }, mode: 'pow' } },
      m: { type: 'Add', inputs: { b: 3 } },
      l: { type: 'Add', inputs: { a: { node: 'ghost', output: 'out' } } },
      o: { type: 'Add', inputs: { a: { node: 's', output: 'nope' } } },
      t: { type: 'Add', inputs: { a: { node: 'c', output: 'values' } } },
      c: { type: 'Collect', inputs: { a: { node: 's', output: 'out' }, label: { node: 's', output: 'out' } } },
    },
  });
  const codes = problems.map((p) => `${p.code}:${p.nodeId}:${p.input ?? ''}`).sort();
  assert.deepEqual(codes, [
    'LINK_TO_MISSING_NODE:l:a',
    'LINK_TO_MISSING_OUTPUT:o:a',
    'MISSING_INPUT:m:a',
    'PARAM_INVALID:k:mode',
    'PARAM_INVALID:s:value',
    'TYPE_MISMATCH:c:label',
    'TYPE_MISMATCH:m:b',
    'TYPE_MISMATCH:t:a',
    'UNKNOWN_INPUT:s:colour',
    'UNKNOWN_NODE_TYPE:x:',
  ]);
  const byCode = (code: string) => problems.find((p) => p.code === code)?.message ?? '';
  assert.match(byCode('UNKNOWN_NODE_TYPE'), /Did you mean "Source"/);
  assert.match(problems.find((p) => p.input === 'value')?.message ?? '', /1000.*got 5000/s);
  assert.match(byCode('LINK_TO_MISSING_OUTPUT'), /has outputs: out/);
  assert.match(problems.find((p) => p.input === 'mode')?.message ?? '', /mul.*div/);
  assert.match(problems.find((p) => p.nodeId === 't')?.message ?? '', /expects FLOAT but "c.values" produces NUMBER_LIST/);
});

test('cycles are reported with their path, in data-flow order', () => {
  const problems = problemsOf({
    version: 1,
    nodes: {
      a: { type: 'Add', inputs: { a: { node: 'c', output: 'sum' } } },
      b: { type: 'Add', inputs: { a: { node: 'a', output: 'sum' } } },
      c: { type: 'Add', inputs: { a: { node: 'b', output: 'sum' } } },
      out: { type: 'Collect', inputs: { a: { node: 'c', output: 'sum' } } },
    },
  });
  const cycle = problems.filter((p) => p.code === 'GRAPH_CYCLE');
  assert.equal(cycle.length, 1);
  assert.match(cycle[0]?.message ?? '', /a → b → c → a/);
});

test('a graph without output nodes is rejected', () => {
  const problems = problemsOf({ version: 1, nodes: { s: { type: 'Source', inputs: {} } } });
  assert.deepEqual(
    problems.map((p) => p.code),
    ['NO_OUTPUT_NODES'],
  );
});

test('INT outputs may feed FLOAT parameters, but not the other way round', () => {
  const ok = validateGraph(
    {
      version: 1,
      nodes: {
        i: { type: 'Int', inputs: { value: 3 } },
        s: { type: 'Source', inputs: { value: { node: 'i', output: 'value' } } },
        c: { type: 'Collect', inputs: { a: { node: 's', output: 'out' } } },
      },
    },
    registry,
  );
  assert.ok(ok.ok);
  const problems = problemsOf({
    version: 1,
    nodes: {
      f: { type: 'Float', inputs: {} },
      seed: { type: 'Seed', inputs: { seed: { node: 'f', output: 'value' } } },
      c: { type: 'ShowText', inputs: {} },
    },
  });
  assert.equal(problems[0]?.code, 'TYPE_MISMATCH');
  assert.match(problems[0]?.message ?? '', /expects INT but "f.value" produces FLOAT/);
});

test("a node's cross-node check sees upstream literals and reports at validation", () => {
  const seen: unknown[] = [];
  const Checked = defineNode({
    type: 'Checked',
    category: 'test',
    description: 'Refuses an upstream Source whose value is odd.',
    inputs: { x: { type: FLOAT } },
    params: {},
    outputs: {},
    output: true,
    check: (view) => {
      const source = view.source('x');
      seen.push(source?.node.params.value, source?.output, view.source('nothing'));
      return source?.node.type === 'Source' && Number(source.node.params.value) % 2 === 1 ? [{ input: 'x', message: 'the source value must be even' }] : [];
    },
    run: () => ({}),
  });
  const checked = new NodeRegistry([...stubNodes, Checked]);
  const graph = (value: number) => ({
    version: 1,
    nodes: { s: { type: 'Source', inputs: { value } }, c: { type: 'Checked', inputs: { x: { node: 's', output: 'out' } } } },
  });
  assert.ok(validateGraph(graph(2), checked).ok);
  assert.deepEqual(seen, [2, 'out', undefined]);
  const result = validateGraph(graph(3), checked);
  assert.equal(result.ok, false);
  assert.deepEqual(result.problems, [{ code: 'PARAM_INVALID', nodeId: 'c', input: 'x', message: 'the source value must be even' }]);
});
