/**
 * Engine overhead on a 1,000-node graph of trivial stub nodes: per-node overhead of a cold run, a fully
 * cached re-run, and a re-run after one parameter change. Baseline: calling the same nodes' `run`
 * functions directly in the same order, with no engine.
 */
import { Engine, NodeRegistry, type Graph } from '@loom/engine';
import { runCounts, stubNodes, Add, Source } from '../../packages/engine/src/testing/stub-nodes.ts';
import { median, writeResult } from '../lib/report.ts';

const NODES = 1000;
const REPEATS = 15;
const registry = new NodeRegistry(stubNodes);

/** Ten chains of 99 Add nodes fed by one Source each... ends in one Collect per chain: 10 + 980 + 10 = 1,000. */
function buildGraph(lastFactor = 1): Graph {
  const nodes: Graph['nodes'] = {};
  for (let chain = 0; chain < 10; chain++) {
    nodes[`s${chain}`] = { type: 'Source', inputs: { value: chain === 9 ? lastFactor : chain } };
    let previous = `s${chain}`;
    for (let i = 0; i < 98; i++) {
      const id = `c${chain}n${i}`;
      nodes[id] = { type: 'Add', inputs: { a: { node: previous, output: previous.startsWith('s') ? 'out' : 'sum' } } };
      previous = id;
    }
    nodes[`o${chain}`] = { type: 'Collect', inputs: { a: { node: previous, output: 'sum' } } };
  }
  return { version: 1, nodes };
}

function directBaseline(): number {
  // The same work without an engine: run each node function in order.
  const ctx = { nodeId: 'x', ui: () => {} } as never;
  const t0 = performance.now();
  for (let chain = 0; chain < 10; chain++) {
    let value = (Source.run({}, { value: chain }, ctx) as { out: number }).out;
    for (let i = 0; i < 98; i++) value = (Add.run({ a: value, b: undefined }, {}, ctx) as { sum: number }).sum;
  }
  return performance.now() - t0;
}

const graph = buildGraph();
const plan = new Engine({ registry }).validate(graph);
if (!plan.ok) throw new Error('bench graph is invalid');
if (Object.keys(graph.nodes).length !== NODES) throw new Error(`expected ${NODES} nodes`);

const cold: number[] = [];
const cached: number[] = [];
const changed: number[] = [];
const baseline: number[] = [];
let rerunCount = 0;
for (let r = 0; r < REPEATS; r++) {
  const engine = new Engine({ registry, concurrency: 1 });
  let t0 = performance.now();
  await engine.run(plan.plan);
  cold.push(performance.now() - t0);
  t0 = performance.now();
  const again = await engine.run(plan.plan);
  cached.push(performance.now() - t0);
  if (again.executed.length !== 0) throw new Error('cached re-run executed nodes');
  const edited = engine.validate(buildGraph(42));
  if (!edited.ok) throw new Error('edited graph invalid');
  t0 = performance.now();
  const rerun = await engine.run(edited.plan);
  changed.push(performance.now() - t0);
  rerunCount = rerun.executed.length;
  baseline.push(directBaseline());
  runCounts.clear();
}

const perNodeUs = ((median(cold) - median(baseline)) * 1000) / NODES;
writeResult('engine', 'Engine overhead (1,000-node graph)', [
  { metric: 'cold run, 1,000 nodes', value: median(cold), unit: 'ms', baseline: { name: 'direct calls', value: median(baseline) } },
  { metric: 'engine overhead per node', value: perNodeUs, unit: 'µs', goal: { text: '< 20 µs', met: perNodeUs < 20 } },
  { metric: 'fully cached re-run, 1,000 nodes', value: median(cached), unit: 'ms', goal: { text: '< 5 ms', met: median(cached) < 5 } },
  { metric: `re-run after one parameter change (${rerunCount} nodes re-run)`, value: median(changed), unit: 'ms', baseline: { name: 'cold run', value: median(cold) } },
]);
