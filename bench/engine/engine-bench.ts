/**
 * Engine overhead on graphs of trivial stub nodes, where the nodes' own work is nil:
 *
 * 1. Ten chains of 100 (1,000 nodes): a cold run, a fully cached re-run, and a re-run after one
 *    parameter change, against calling the same nodes' `run` functions directly (A-B-B-A).
 * 2. Single chains of 1,000, 10,000 and 100,000 nodes: per-node overhead, which must stay flat with
 *    depth; the 1,000 and 100,000 chains alternate in A-B-B-A rounds. Each sample runs a fresh plan on
 *    a fresh engine (validation is not timed), after a warm-up of both sizes. The engine's overhead is
 *    each sample less the same node functions called directly with the same ids (the stubs' own
 *    bookkeeping grows with the chain too).
 *
 * Everything is measured in this process's CPU time (user + system): the engine is single-threaded
 * JavaScript, so on an idle machine that equals wall time, and on a shared one it is inflated far less.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { Engine, NodeRegistry, type Graph, type Plan } from '@loom/engine';
import { runCounts, stubNodes, Add, Source } from '../../packages/engine/src/testing/stub-nodes.ts';
import { abba, median, spreadOf, writeResult } from '../lib/report.ts';

const NODES = 1000;
const ROUNDS = 4;
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

/** Source → (length − 2) Adds → Collect. */
function chain(length: number): Graph {
  const nodes: Graph['nodes'] = { n0: { type: 'Source', inputs: { value: 1 } } };
  for (let i = 1; i < length - 1; i++) nodes[`n${i}`] = { type: 'Add', inputs: { a: { node: `n${i - 1}`, output: i === 1 ? 'out' : 'sum' } } };
  nodes.out = { type: 'Collect', inputs: { a: { node: `n${length - 2}`, output: 'sum' } } };
  return { version: 1, nodes };
}

function planOf(graph: Graph): Plan {
  const result = new Engine({ registry }).validate(graph);
  if (!result.ok) throw new Error(`bench graph is invalid: ${result.problems[0]?.message}`);
  return result.plan;
}

function directBaseline(): number {
  // The same work without an engine: run each node function in order.
  const ctx = { nodeId: 'x', ui: () => {} } as never;
  const t0 = process.cpuUsage();
  for (let chain = 0; chain < 10; chain++) {
    let value = (Source.run({}, { value: chain }, ctx) as { out: number }).out;
    for (let i = 0; i < 98; i++) value = (Add.run({ a: value, b: undefined }, {}, ctx) as { sum: number }).sum;
  }
  return cpuMs(t0);
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

// Garbage-collection pauses, from V8's own gc performance entries: how much of a sample's time is GC.
let gcMs = 0;
new PerformanceObserver((list) => list.getEntries().forEach((e) => void (gcMs += e.duration))).observe({ entryTypes: ['gc'] });

interface ChainSample {
  /** CPU µs per node. */
  us: number;
  /** CPU µs per node of the same node functions called directly, in a loop, with the same node ids. */
  directUs: number;
  /** GC pause µs per node (wall time of the pauses). */
  gcUs: number;
}

/** A cold run of a fresh `length`-node chain, per node (repeated to make short chains measurable). */
async function chainSample(length: number): Promise<ChainSample> {
  const repeats = Math.max(1, Math.round(20_000 / length));
  const plans = Array.from({ length: repeats }, () => planOf(chain(length)));
  gcMs = 0;
  const t0 = process.cpuUsage();
  for (const plan of plans) await new Engine({ registry, concurrency: 1 }).run(plan);
  const us = (cpuMs(t0) * 1000) / (repeats * length);
  // gc entries are delivered asynchronously; let them arrive before reading the sum.
  await new Promise((resolve) => setTimeout(resolve, 20));
  runCounts.clear();
  return { us, directUs: directChain(plans[0] as Plan, repeats), gcUs: (gcMs * 1000) / (repeats * length) };
}

/**
 * The nodes' own work in a chain, without the engine: each stub node counts its runs in a Map keyed by
 * node id (stub-nodes.ts), which on a 100,000-node chain is itself a 100,000-entry Map.
 */
function directChain(plan: Plan, repeats: number): number {
  const ids = plan.order.map((n) => n.id);
  const t0 = process.cpuUsage();
  for (let r = 0; r < repeats; r++) {
    let value = (Source.run({}, { value: 1 }, { nodeId: ids[0] } as never) as { out: number }).out;
    for (let i = 1; i < ids.length; i++) value = (Add.run({ a: value, b: undefined }, {}, { nodeId: ids[i] } as never) as { sum: number }).sum;
    runCounts.clear();
  }
  return (cpuMs(t0) * 1000) / (repeats * ids.length);
}

// 1. Ten chains of 100.
const plan = planOf(buildGraph());
const edited = planOf(buildGraph(42));
if (plan.nodes.size !== NODES) throw new Error(`expected ${NODES} nodes`);
let rerunCount = 0;
/** Each sample is the mean of this many rounds: one 1,000-node run takes a few ms, shorter than a loaded machine's hiccups. */
const REPEATS = 10;
const engineRound = async () => {
  const engine = new Engine({ registry, concurrency: 1 });
  let t0 = process.cpuUsage();
  await engine.run(plan);
  const cold = cpuMs(t0);
  t0 = process.cpuUsage();
  const again = await engine.run(plan);
  const cached = cpuMs(t0);
  if (again.executed.length !== 0) throw new Error('cached re-run executed nodes');
  t0 = process.cpuUsage();
  const rerun = await engine.run(edited);
  const changed = cpuMs(t0);
  rerunCount = rerun.executed.length;
  runCounts.clear();
  return { cold, cached, changed };
};
async function meanOf<T extends Record<string, number>>(round: () => T | Promise<T>): Promise<T> {
  const rounds: T[] = [];
  for (let i = 0; i < REPEATS; i++) rounds.push(await round());
  return Object.fromEntries(Object.keys(rounds[0] as T).map((k) => [k, rounds.reduce((sum, r) => sum + (r[k] as number), 0) / REPEATS])) as T;
}
for (let i = 0; i < 3; i++) await meanOf(engineRound); // JIT warm-up
const tenChains = await abba(
  () => meanOf(engineRound),
  () => meanOf(() => ({ cold: directBaseline(), cached: 0, changed: 0 })),
  ROUNDS,
);
const cold = tenChains.a.map((r) => r.cold);
const baseline = tenChains.b.map((r) => r.cold);
const perNodeUs = ((median(cold) - median(baseline)) * 1000) / NODES;

// 2. Single chains.
await chainSample(1_000);
await chainSample(100_000);
const deep = await abba(
  () => chainSample(1_000),
  () => chainSample(100_000),
  ROUNDS,
);
const mid: number[] = [];
for (let i = 0; i < 2 * ROUNDS; i++) mid.push((await chainSample(10_000)).us);
const per = (samples: ChainSample[]) => samples.map((s) => s.us);
const gc = (samples: ChainSample[]) => median(samples.map((s) => s.gcUs));
const [us1k, us10k, us100k] = [median(per(deep.a)), median(mid), median(per(deep.b))];
const flat = us100k / us1k;
// Engine overhead: each sample's CPU time less its nodes' own work, called directly (as part 1 does).
const overhead = (samples: ChainSample[]) => samples.map((s) => s.us - s.directUs);
const [over1k, over100k] = [median(overhead(deep.a)), median(overhead(deep.b))];
const overFlat = over100k / over1k;

writeResult('engine', 'Engine overhead (1,000-node graph; single chains to 100,000 nodes)', [
  {
    metric: 'cold run, 1,000 nodes',
    value: median(cold),
    unit: 'ms',
    baseline: { name: 'direct calls', value: median(baseline) },
    spread: spreadOf(cold),
    note: `A-B-B-A × ${ROUNDS} against direct calls, each sample the mean of ${REPEATS} runs; CPU time, like every figure here; a machine shared with other work (load average recorded)`,
  },
  { metric: 'engine overhead per node', value: perNodeUs, unit: 'µs', goal: { text: '< 20 µs', met: perNodeUs < 20 } },
  {
    metric: 'fully cached re-run, 1,000 nodes',
    value: median(tenChains.a.map((r) => r.cached)),
    unit: 'ms',
    goal: { text: '< 5 ms', met: median(tenChains.a.map((r) => r.cached)) < 5 },
    spread: spreadOf(tenChains.a.map((r) => r.cached)),
  },
  {
    metric: `re-run after one parameter change (${rerunCount} nodes re-run)`,
    value: median(tenChains.a.map((r) => r.changed)),
    unit: 'ms',
    baseline: { name: 'cold run', value: median(cold) },
  },
  {
    metric: 'single 1,000-node chain, per node (CPU time)',
    value: us1k,
    unit: 'µs',
    goal: { text: '< 15 µs', met: us1k < 15 },
    spread: spreadOf(per(deep.a)),
    note: `A-B-B-A × ${ROUNDS} with the 100,000-node chain; each sample 20 fresh runs; GC pauses (wall time, inflated by a loaded machine) ${gc(deep.a).toFixed(1)} µs per node`,
  },
  { metric: 'single 10,000-node chain, per node (CPU time)', value: us10k, unit: 'µs', spread: spreadOf(mid) },
  {
    metric: 'single 100,000-node chain, per node (CPU time)',
    value: us100k,
    unit: 'µs',
    spread: spreadOf(per(deep.b)),
    note: `GC pauses (wall time) ${gc(deep.b).toFixed(1)} µs per node`,
  },
  {
    metric: 'per-node cost, 100,000-node chain ÷ 1,000-node chain',
    value: flat,
    unit: '×',
    goal: { text: '0.8–1.2× (flat ±20%)', met: flat >= 0.8 && flat <= 1.2 },
  },
  {
    metric: 'single 1,000-node chain, engine overhead per node (less direct calls)',
    value: over1k,
    unit: 'µs',
    baseline: { name: 'direct calls', value: median(deep.a.map((s) => s.directUs)) },
    spread: spreadOf(overhead(deep.a)),
  },
  {
    metric: 'single 100,000-node chain, engine overhead per node (less direct calls)',
    value: over100k,
    unit: 'µs',
    baseline: { name: 'direct calls', value: median(deep.b.map((s) => s.directUs)) },
    spread: spreadOf(overhead(deep.b)),
  },
  {
    metric: 'engine overhead per node, 100,000-node chain ÷ 1,000-node chain',
    value: overFlat,
    unit: '×',
    goal: { text: '0.8–1.2× (flat ±20%)', met: overFlat >= 0.8 && overFlat <= 1.2 },
  },
]);
