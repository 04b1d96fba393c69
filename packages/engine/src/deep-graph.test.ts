import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from './executor.ts';
import { NodeRegistry } from './registry.ts';
import type { Graph } from './graph.ts';
import { stubNodes } from './testing/stub-nodes.ts';

const registry = new NodeRegistry(stubNodes);
const link = (node: string, output: string) => ({ node, output });

/** one → n1 → … → n(length−2) → out, each Add adding `one` again: the chain's end carries length − 1. */
function chain(length: number): Graph {
  const nodes: Graph['nodes'] = { one: { type: 'Source', inputs: { value: 1 } } };
  let previous = link('one', 'out');
  for (let i = 1; i <= length - 2; i++) {
    nodes[`n${i}`] = { type: 'Add', inputs: { a: previous, b: link('one', 'out') } };
    previous = link(`n${i}`, 'sum');
  }
  nodes.out = { type: 'Collect', inputs: { a: previous } };
  return { version: 1, nodes };
}

/** Validation, scheduling, cache keys and execution all walk the chain; none may recurse on its depth. */
async function runsChain(length: number): Promise<void> {
  const engine = new Engine({ registry });
  const result = await engine.run(chain(length));
  assert.deepEqual(result.outputs.get('out'), { values: [length - 1] });
  assert.equal(result.executed.length, length);
  assert.equal((await engine.run(chain(length))).executed.length, 0, 'an identical re-run is fully cached');
}

test('a 5,000-node chain runs (a recursive scheduler overflowed at about 4,000)', () => runsChain(5_000));

test('a 100,000-node chain runs', { timeout: 300_000 }, () => runsChain(100_000));

test('a cycle in a long chain is still found and reported without recursion', () => {
  const graph = chain(20_000);
  (graph.nodes.n1 as { inputs: Record<string, unknown> }).inputs.a = link('n19000', 'sum');
  const result = new Engine({ registry }).validate(graph);
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.problems.map((p) => p.code),
    ['GRAPH_CYCLE'],
  );
  assert.match(result.problems[0]?.message ?? '', /n1 → n2 → .* → n19000 → n1\./s);
});
