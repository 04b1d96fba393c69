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
beforeEach(() => runCounts.clear());

async function run(graph: Graph) {
  const events: EngineEvent[] = [];
  const result = await new Engine({ registry }).run(graph, { onEvent: (e) => events.push(e) });
  const skipped = Object.fromEntries(events.flatMap((e) => (e.type === 'node.skipped' ? [[e.nodeId, e.reason]] : [])));
  return { result, events, skipped };
}

test('mute: the node and what needs it are skipped, other outputs still run, and no error is raised', async () => {
  const { result, events, skipped } = await run({
    version: 1,
    nodes: {
      s1: { type: 'Source', inputs: { value: 3 } },
      scale: { type: 'Scale', inputs: { x: link('s1', 'out') }, mode: 'mute' },
      add: { type: 'Add', inputs: { a: link('scale', 'y') } },
      out: { type: 'Collect', inputs: { a: link('add', 'sum') } },
      s2: { type: 'Source', inputs: { value: 4 } },
      out2: { type: 'Collect', inputs: { a: link('s2', 'out') } },
    },
  });
  assert.deepEqual(skipped, { scale: 'muted', add: 'input-muted', out: 'input-muted' });
  assert.deepEqual([...result.executed].sort(), ['out2', 's2']);
  assert.deepEqual(result.outputs.get('out2'), { values: [4] });
  assert.equal(runCounts.get('s1'), undefined, 'an ancestor only the muted branch needs does not run');
  assert.equal(events[0]?.type, 'run.started');
  assert.equal(events[1]?.type, 'node.skipped');
});

test('mute: an optional input is left unset and a linked parameter falls back to its default', async () => {
  const { result, skipped } = await run({
    version: 1,
    nodes: {
      s1: { type: 'Source', inputs: { value: 3 } },
      muted: { type: 'Source', inputs: { value: 100 }, mode: 'mute' },
      factor: { type: 'Int', inputs: { value: 5 }, mode: 'mute' },
      add: { type: 'Add', inputs: { a: link('s1', 'out'), b: link('muted', 'out') } },
      // Scale's factor defaults to 2: 3 · 2 = 6, not 3 · 5.
      scale: { type: 'Scale', inputs: { x: link('add', 'sum'), factor: link('factor', 'value') } },
      out: { type: 'Collect', inputs: { a: link('scale', 'y') } },
    },
  });
  assert.deepEqual(skipped, { muted: 'muted', factor: 'muted' });
  assert.deepEqual(result.outputs.get('out'), { values: [6] });
});

test('mute: a muted node is not validated at all (unknown type, bad parameters)', async () => {
  const { result, skipped } = await run({
    version: 1,
    nodes: {
      gone: { type: 'NotInstalled', inputs: { whatever: 1 }, mode: 'mute' },
      bad: { type: 'Scale', inputs: { factor: 999 }, mode: 'mute' },
      s: { type: 'Source', inputs: { value: 1 } },
      out: { type: 'Collect', inputs: { a: link('s', 'out') } },
    },
  });
  assert.deepEqual(skipped, { gone: 'muted', bad: 'muted' });
  assert.deepEqual(result.outputs.get('out'), { values: [1] });
});

test('bypass: the node passes its input of the same type through, without checking its own parameters', async () => {
  const { result, skipped } = await run({
    version: 1,
    nodes: {
      s1: { type: 'Source', inputs: { value: 3 } },
      // factor 999 is out of range: a bypassed node's parameters do not matter.
      scale: { type: 'Scale', inputs: { x: link('s1', 'out'), factor: 999 }, mode: 'bypass' },
      out: { type: 'Collect', inputs: { a: link('scale', 'y') } },
    },
  });
  assert.deepEqual(skipped, { scale: 'bypassed' });
  assert.deepEqual(result.outputs.get('out'), { values: [3] });
  assert.equal(runCounts.get('scale'), undefined);
});

test("bypass: the input in the output's position wins, else the first linked input of the type; chains are followed", async () => {
  const graph = (aLinked: boolean): Graph => ({
    version: 1,
    nodes: {
      s1: { type: 'Source', inputs: { value: 3 } },
      s2: { type: 'Source', inputs: { value: 4 } },
      // Add's required `a` is unlinked in one variant: validation must not demand it of a bypassed node.
      add: { type: 'Add', inputs: { ...(aLinked && { a: link('s1', 'out') }), b: link('s2', 'out') }, mode: 'bypass' },
      scale: { type: 'Scale', inputs: { x: link('add', 'sum'), factor: 10 }, mode: 'bypass' },
      out: { type: 'Collect', inputs: { a: link('scale', 'y') } },
    },
  });
  assert.deepEqual((await run(graph(true))).result.outputs.get('out'), { values: [3] });
  assert.deepEqual((await run(graph(false))).result.outputs.get('out'), { values: [4] });
});

test('bypass: a linked parameter passes through too (ComfyUI widgets converted to inputs)', async () => {
  const { result } = await run({
    version: 1,
    nodes: {
      text: { type: 'String', inputs: { value: 'kept' } },
      join: { type: 'StringJoin', inputs: { a: link('text', 'value'), b: 'dropped' }, mode: 'bypass' },
      out: { type: 'ShowText', inputs: { text: link('join', 'text') } },
    },
  });
  assert.deepEqual(result.ui.out, { text: ['kept'] });
});

test('bypass with no input of the type: the consumer fails validation naming the bypassed node', async () => {
  const graph: Graph = {
    version: 1,
    nodes: {
      pair: { type: 'Pair', inputs: { value: 2 }, mode: 'bypass' },
      out: { type: 'Collect', inputs: { a: link('pair', 'first') } },
    },
  };
  await assert.rejects(new Engine({ registry }).run(graph), (err: unknown) => {
    assert.ok(err instanceof LoomError);
    assert.equal(err.code, 'VALIDATION_FAILED');
    const [problem] = err.problems;
    assert.equal(problem?.code, 'MISSING_INPUT');
    assert.equal(problem?.nodeId, 'out');
    assert.equal(problem?.input, 'a');
    assert.match(problem?.message ?? '', /"pair", which is bypassed and has no linked INT input/);
    return true;
  });
});

test('skipped output nodes named as targets run nothing and fail nothing', async () => {
  const graph: Graph = {
    version: 1,
    nodes: {
      s: { type: 'Source', inputs: { value: 1 } },
      out: { type: 'Collect', inputs: { a: link('s', 'out') }, mode: 'bypass' },
    },
  };
  const result = await new Engine({ registry }).run(graph, { targets: ['out'] });
  assert.deepEqual(result.executed, []);
});
