import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from './executor.ts';
import { NodeRegistry } from './registry.ts';
import { LoomError } from './errors.ts';
import type { EngineEvent } from './events.ts';
import type { Graph } from './graph.ts';
import { runCounts, stubNodes } from './testing/stub-nodes.ts';
import { builtinNodes } from './builtins/index.ts';

const registry = new NodeRegistry([...stubNodes, ...builtinNodes]);
const link = (node: string, output: string) => ({ node, output });

/** s1 → scale → add ← s2, add → out; plus an unrelated branch that no output needs. */
const diamond = (factor = 2): Graph => ({
  version: 1,
  nodes: {
    s1: { type: 'Source', inputs: { value: 3 } },
    s2: { type: 'Source', inputs: { value: 4 } },
    scale: { type: 'Scale', inputs: { x: link('s1', 'out'), factor } },
    add: { type: 'Add', inputs: { a: link('scale', 'y'), b: link('s2', 'out') } },
    out: { type: 'Collect', inputs: { a: link('add', 'sum') } },
    orphan: { type: 'Source', inputs: { value: 9 } },
  },
});

beforeEach(() => runCounts.clear());

test('evaluates only ancestors of output nodes, and computes the right value', async () => {
  const engine = new Engine({ registry });
  const result = await engine.run(diamond());
  assert.deepEqual(result.outputs.get('out'), { values: [10] });
  assert.deepEqual(result.ui.out, { values: [10], label: ['result'] });
  assert.equal(runCounts.get('orphan'), undefined);
  assert.deepEqual([...result.executed].sort(), ['add', 'out', 's1', 's2', 'scale']);
});

test('an identical re-run executes zero nodes but still reports cached outputs', async () => {
  const engine = new Engine({ registry });
  await engine.run(diamond());
  const events: EngineEvent[] = [];
  const again = await engine.run(diamond(), { onEvent: (e) => events.push(e) });
  assert.deepEqual(again.executed, []);
  assert.equal(again.cached.length, 5);
  for (const id of ['s1', 's2', 'scale', 'add', 'out']) assert.equal(runCounts.get(id), 1);
  const cachedOut = events.find((e) => e.type === 'node.cached' && e.nodeId === 'out');
  assert.deepEqual(cachedOut && 'ui' in cachedOut ? cachedOut.ui : undefined, { values: [10], label: ['result'] });
  assert.deepEqual(again.ui.out, { values: [10], label: ['result'] });
  assert.equal(events[0]?.type, 'run.started');
  assert.equal(events.at(-1)?.type, 'run.finished');
});

test('changing one parameter re-runs exactly the nodes downstream of it', async () => {
  const engine = new Engine({ registry });
  await engine.run(diamond(2));
  const result = await engine.run(diamond(5));
  assert.deepEqual([...result.executed].sort(), ['add', 'out', 'scale']);
  assert.deepEqual(result.outputs.get('out'), { values: [19] });
  assert.equal(runCounts.get('s1'), 1);
  assert.equal(runCounts.get('s2'), 1);
  // Going back to the first value hits the cache again.
  assert.deepEqual((await engine.run(diamond(2))).executed, []);
});

test('a random Seed re-runs every time, a fixed one is cached', async () => {
  const engine = new Engine({ registry });
  const graph = (mode: 'fixed' | 'random'): Graph => ({
    version: 1,
    nodes: {
      seed: { type: 'Seed', inputs: { seed: 7, mode } },
      src: { type: 'Source', inputs: { value: 0 } },
      show: { type: 'Collect', inputs: { a: link('src', 'out'), label: 'x' } },
      text: { type: 'StringFormat', inputs: { template: 'seed={a}' } },
      out: { type: 'ShowText', inputs: { text: link('text', 'text') } },
    },
  });
  const fixed = await engine.run(graph('fixed'));
  assert.deepEqual(fixed.outputs.get('out'), {});
  assert.deepEqual((await engine.run(graph('fixed'))).executed, []);
  const seedGraph: Graph = {
    version: 1,
    nodes: {
      seed: { type: 'Seed', inputs: { mode: 'random' } },
      out: { type: 'Collect', inputs: { a: link('seed', 'seed') } },
    },
  };
  const first = await engine.run(seedGraph);
  const second = await engine.run(seedGraph);
  assert.deepEqual([...second.executed].sort(), ['out', 'seed']);
  assert.notDeepEqual(first.outputs.get('seed'), second.outputs.get('seed'));
});

test('linked parameters are checked against their schema at run time', async () => {
  const engine = new Engine({ registry });
  const graph: Graph = {
    version: 1,
    nodes: {
      big: { type: 'Int', inputs: { value: 50 } },
      s: { type: 'Source', inputs: { value: 1 } },
      scale: { type: 'Scale', inputs: { x: link('s', 'out'), factor: link('big', 'value') } },
      out: { type: 'Collect', inputs: { a: link('scale', 'y') } },
    },
  };
  await assert.rejects(engine.run(graph), (err: unknown) => {
    assert.ok(err instanceof LoomError);
    assert.equal(err.code, 'PARAM_INVALID');
    assert.equal(err.nodeId, 'scale');
    assert.equal(err.input, 'factor');
    assert.match(err.message, /10.*got 50/s);
    return true;
  });
});

test('independent branches overlap, and results do not depend on scheduling', async () => {
  const branches = (n: number): Graph => {
    const nodes: Graph['nodes'] = {};
    for (let i = 0; i < n; i++) {
      nodes[`s${i}`] = { type: 'Source', inputs: { value: i } };
      nodes[`w${i}`] = { type: 'Slow', inputs: { x: link(`s${i}`, 'out'), ms: 30 - i * 5 } };
      nodes[`o${i}`] = { type: 'Collect', inputs: { a: link(`w${i}`, 'y') } };
    }
    return { version: 1, nodes };
  };
  const timeline = async (concurrency: number) => {
    const engine = new Engine({ registry, concurrency });
    let active = 0;
    let peak = 0;
    const result = await engine.run(branches(4), {
      onEvent: (e) => {
        if (e.type === 'node.started' && e.nodeType === 'Slow') peak = Math.max(peak, ++active);
        if (e.type === 'node.finished' && e.nodeType === 'Slow') active--;
      },
    });
    return { peak, values: [0, 1, 2, 3].map((i) => result.outputs.get(`o${i}`)) };
  };
  const serial = await timeline(1);
  const parallel = await timeline(4);
  assert.equal(serial.peak, 1);
  assert.ok(parallel.peak >= 2, `expected overlap, peak was ${parallel.peak}`);
  assert.deepEqual(parallel.values, serial.values);
  assert.deepEqual(serial.values, [{ values: [0] }, { values: [1] }, { values: [2] }, { values: [3] }]);
});

test('cancellation inside a node stops the run, caches nothing partial, and emits run.cancelled', async () => {
  const engine = new Engine({ registry });
  const graph: Graph = {
    version: 1,
    nodes: {
      s: { type: 'Source', inputs: {} },
      slow: { type: 'Slow', inputs: { x: link('s', 'out'), ms: 400, steps: 40 } },
      out: { type: 'Collect', inputs: { a: link('slow', 'y') } },
    },
  };
  const controller = new AbortController();
  const events: EngineEvent[] = [];
  const running = engine.run(graph, {
    signal: controller.signal,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'node.progress' && e.value === 3) controller.abort();
    },
  });
  await assert.rejects(running, (err: unknown) => err instanceof LoomError && err.code === 'CANCELLED' && err.nodeId === 'slow');
  assert.equal(events.at(-1)?.type, 'run.cancelled');
  assert.equal(runCounts.get('out'), undefined);
  const progress = events.filter((e) => e.type === 'node.progress');
  assert.ok(progress.length < 10, 'the node stopped at the next step');
  // The next run re-executes the cancelled node but not its finished upstream.
  const result = await engine.run(graph);
  assert.deepEqual([...result.executed].sort(), ['out', 'slow']);
});

test('cancellation between nodes: nothing new starts once the signal fires', async () => {
  const engine = new Engine({ registry, concurrency: 1 });
  const controller = new AbortController();
  const started: string[] = [];
  await assert.rejects(
    engine.run(diamond(), {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'node.finished' && e.nodeId === 's1') controller.abort();
        if (e.type === 'node.started') started.push(e.nodeId);
      },
    }),
    (err: unknown) => err instanceof LoomError && err.code === 'CANCELLED',
  );
  assert.deepEqual(started, ['s1']);
});

test('a failing node fails the run with NODE_FAILED naming it, after finished work is cached', async () => {
  const engine = new Engine({ registry, concurrency: 1 });
  const graph: Graph = {
    version: 1,
    nodes: {
      s: { type: 'Source', inputs: {} },
      f: { type: 'Fail', inputs: { x: link('s', 'out') } },
      out: { type: 'Collect', inputs: { a: link('f', 'y') } },
    },
  };
  const events: EngineEvent[] = [];
  await assert.rejects(engine.run(graph, { onEvent: (e) => events.push(e) }), (err: unknown) => {
    assert.ok(err instanceof LoomError);
    assert.equal(err.code, 'NODE_FAILED');
    assert.equal(err.nodeId, 'f');
    assert.match(err.message, /Node "f" \(Fail\) failed: boom/);
    return true;
  });
  assert.deepEqual(
    events.filter((e) => e.type === 'node.failed').map((e) => e.nodeId),
    ['f'],
  );
  assert.equal(events.at(-1)?.type, 'run.failed');
  await assert.rejects(engine.run(graph));
  assert.equal(runCounts.get('s'), 1, 'the finished upstream was cached');
});

test('an invalid graph is refused with VALIDATION_FAILED listing every problem', async () => {
  const engine = new Engine({ registry });
  await assert.rejects(engine.run({ version: 1, nodes: { a: { type: 'Nope', inputs: {} }, b: { type: 'Add', inputs: {} } } }), (err: unknown) => {
    assert.ok(err instanceof LoomError);
    assert.equal(err.code, 'VALIDATION_FAILED');
    assert.deepEqual(err.problems.map((p) => p.code).sort(), ['MISSING_INPUT', 'NO_OUTPUT_NODES', 'UNKNOWN_NODE_TYPE']);
    return true;
  });
});

test('targets restrict the run to the chosen output nodes', async () => {
  const engine = new Engine({ registry });
  const graph = diamond();
  graph.nodes.other = { type: 'Collect', inputs: { a: link('orphan', 'out') } };
  const result = await engine.run(graph, { targets: ['other'] });
  assert.deepEqual([...result.executed].sort(), ['orphan', 'other']);
});

test('progress events carry the node id and step counts', async () => {
  const engine = new Engine({ registry });
  const events: EngineEvent[] = [];
  await engine.run(
    {
      version: 1,
      nodes: {
        s: { type: 'Source', inputs: {} },
        w: { type: 'Slow', inputs: { x: link('s', 'out'), ms: 4, steps: 3 } },
        out: { type: 'Collect', inputs: { a: link('w', 'y') } },
      },
    },
    { onEvent: (e) => events.push(e) },
  );
  const progress = events.flatMap((e) => (e.type === 'node.progress' ? [`${e.nodeId}:${e.value}/${e.max}`] : []));
  assert.deepEqual(progress, ['w:1/3', 'w:2/3', 'w:3/3']);
});
