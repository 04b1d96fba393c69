import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from './executor.ts';
import { NodeRegistry } from './registry.ts';
import type { EngineEvent } from './events.ts';
import type { Graph } from './graph.ts';
import { runCounts, stubNodes } from './testing/stub-nodes.ts';
import { builtinNodes } from './builtins/index.ts';

const registry = new NodeRegistry([...stubNodes, ...builtinNodes]);
const link = (node: string, output: string) => ({ node, output });
beforeEach(() => runCounts.clear());

/**
 * seed → src (value = seed) → scale (×2) ⇢ retry (lazy x, seed linked from the same Seed node).
 * `heavy` stands for a model load: it feeds `scale` but does not depend on the seed.
 */
const retryGraph = (threshold: number, start = 1): Graph => ({
  version: 1,
  nodes: {
    seed: { type: 'Int', inputs: { value: start } },
    heavy: { type: 'Source', inputs: { value: 0 } },
    src: { type: 'Source', inputs: { value: link('seed', 'value') } },
    sum: { type: 'Add', inputs: { a: link('src', 'out'), b: link('heavy', 'out') } },
    scale: { type: 'Scale', inputs: { x: link('sum', 'sum'), factor: 2 } },
    retry: { type: 'FirstAbove', inputs: { x: link('scale', 'y'), seed: link('seed', 'value'), threshold, maxTries: 5 } },
    out: { type: 'Collect', inputs: { a: link('retry', 'y') } },
  },
});

test('a lazy input re-evaluates its subgraph with a bound seed; unaffected nodes stay cached', async () => {
  const engine = new Engine({ registry });
  const events: EngineEvent[] = [];
  const result = await engine.run(retryGraph(7), { onEvent: (e) => events.push(e) });
  // Seeds 1, 2, 3, 4 give 2, 4, 6, 8: the fourth attempt is the first above 7.
  assert.deepEqual(result.outputs.get('retry'), { y: 8, tries: 4 });
  assert.deepEqual(result.ui.retry, { attempts: [2, 4, 6, 8] });
  assert.equal(runCounts.get('heavy'), 1, 'the seed-independent branch ran once');
  assert.equal(runCounts.get('src'), 4, 'the seed-dependent chain ran per attempt');
  assert.equal(runCounts.get('scale'), 4);
  assert.equal(runCounts.get('retry'), 1);
  // Nested evaluations forward node events under the same run, but no run-level events.
  assert.equal(events.filter((e) => e.type === 'run.started').length, 1);
  assert.equal(events.filter((e) => e.type === 'node.started' && e.nodeId === 'scale').length, 4);
  assert.ok(events.every((e) => e.runId === result.runId));
});

test('lazy upstream is not evaluated eagerly, and the node caches like any other', async () => {
  const engine = new Engine({ registry });
  await engine.run(retryGraph(0));
  assert.equal(runCounts.get('scale'), 1, 'the first attempt succeeded, so the subgraph ran once');
  const again = await engine.run(retryGraph(0));
  assert.deepEqual(again.executed, []);
  // Changing something upstream of the lazy input invalidates the retry node.
  const changed = retryGraph(0);
  (changed.nodes.heavy as { inputs: Record<string, unknown> }).inputs.value = 5;
  const rerun = await engine.run(changed);
  assert.ok(rerun.executed.includes('retry'));
  assert.deepEqual(rerun.outputs.get('retry'), { y: 12, tries: 1 });
});

test('earlier attempts are reused from the cache when a retry sequence repeats', async () => {
  const engine = new Engine({ registry });
  await engine.run(retryGraph(7));
  runCounts.clear();
  // A different threshold re-runs the retry node, but attempts 1–4 are all cached; only seed 5 is new.
  const result = await engine.run(retryGraph(9));
  assert.deepEqual(result.outputs.get('retry'), { y: 10, tries: 5 });
  assert.equal(runCounts.get('src'), 1);
});

test('a failing loop fails its node with the reason', async () => {
  const engine = new Engine({ registry });
  await assert.rejects(engine.run(retryGraph(100)), /no value above 100 in 5 tries: 2, 4, 6, 8, 10/);
});

test('binding one output of a multi-output node keeps its other outputs real', async () => {
  const engine = new Engine({ registry });
  const graph: Graph = {
    version: 1,
    nodes: {
      pair: { type: 'Pair', inputs: { value: 1 } },
      src: { type: 'Source', inputs: { value: link('pair', 'first') } },
      extra: { type: 'Source', inputs: { value: link('pair', 'second') } },
      sum: { type: 'Add', inputs: { a: link('src', 'out'), b: link('extra', 'out') } },
      scale: { type: 'Scale', inputs: { x: link('sum', 'sum'), factor: 2 } },
      retry: { type: 'FirstAbove', inputs: { x: link('scale', 'y'), seed: link('pair', 'first'), threshold: 23 } },
      out: { type: 'Collect', inputs: { a: link('retry', 'y') } },
    },
  };
  // Seed 1: (1 + 10)·2 = 22; seed 2 binds only `first`, `second` stays 10: (2 + 10)·2 = 24.
  const result = await engine.run(graph);
  assert.deepEqual(result.outputs.get('retry'), { y: 24, tries: 2 });
});
