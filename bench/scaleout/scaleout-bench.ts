/**
 * Scale-out benchmark (not a test): real processes, redis-server, one API server, 1–3 workers.
 * 1. Queue overhead per prompt: end-to-end latency of a trivial prompt (POST /prompt → `executing
 *    null`), one at a time, on the Redis cluster with one worker versus an embedded server. Both
 *    include the same 50 ms start gate, so the difference is what Redis, BullMQ and the event stream cost.
 * 2. Throughput as workers are added: prompts whose only work is a fixed sleep (the Sleep test node,
 *    no CPU), so scaling is measured apart from this machine's two cores. Ideal: workers / sleep.
 * 3. Redis commands per second per worker, idle and busy (heartbeats, polling, lock renewal), from
 *    the server's own rate with no worker and with three.
 * 4. Recovery: a SIGKILLed worker's prompt, from the kill to its re-run starting on an idle worker.
 * 5. Routing: a mixed tiny/large workload on one warm and one fresh worker, with cost-based affinity
 *    and without (affinity.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, writeResult, type Figure } from '../lib/report.ts';
import { LARGE_LOAD_MS, mixedThroughput, RUN_MS } from './affinity.ts';
import { commandRate, recoveryTimes, sleeper } from './recovery.ts';
import { Cluster, spawnEntry, stop } from '../../test/scaleout/helpers/cluster.ts';
import { submit, WsProbe } from '../../test/scaleout/helpers/prompts.ts';
import { redisMissing } from '../../test/scaleout/helpers/redis-process.ts';

const LATENCY_PROMPTS = Number(process.env.LATENCY_PROMPTS ?? 40);
const THROUGHPUT_PROMPTS = Number(process.env.THROUGHPUT_PROMPTS ?? 24);
const MIXED_PROMPTS = Number(process.env.MIXED_PROMPTS ?? 16);
const RECOVERIES = Number(process.env.RECOVERIES ?? 3);
const RATE_WINDOW_MS = 5000;
const SLEEP_MS = 500;

let unique = 0;
const trivial = (): Record<string, unknown> => ({
  '1': { class_type: 'Source', inputs: { value: ++unique % 1000 } },
  '2': { class_type: 'Tag', inputs: { x: ['1', 0] } },
});

/** Median end-to-end latency of prompts sent one after another, in ms. */
async function latency(url: string): Promise<number> {
  const ws = await WsProbe.connect(`${url.replace(/^http/, 'ws')}/ws?clientId=bench-latency`);
  const samples: number[] = [];
  try {
    for (let i = 0; i < LATENCY_PROMPTS + 5; i++) {
      const start = performance.now();
      const id = await submit(url, trivial(), 'bench-latency');
      await ws.waitForEnd(id, 20_000);
      if (i >= 5) samples.push(performance.now() - start); // the first few warm up both sides
    }
  } finally {
    ws.close();
  }
  return median(samples);
}

/** Prompts per second for a burst of sleep prompts submitted at once. */
async function throughput(url: string): Promise<number> {
  const ws = await WsProbe.connect(`${url.replace(/^http/, 'ws')}/ws?clientId=bench-throughput`);
  try {
    const start = performance.now();
    const ids: string[] = [];
    // A distinct Source value per prompt (sleeper), so no worker's output cache answers it.
    for (let i = 0; i < THROUGHPUT_PROMPTS; i++) ids.push(await submit(url, sleeper(SLEEP_MS), 'bench-throughput'));
    for (const id of ids) await ws.waitForEnd(id, 120_000);
    return THROUGHPUT_PROMPTS / ((performance.now() - start) / 1000);
  } finally {
    ws.close();
  }
}

async function embeddedLatency(): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'loom-bench-embedded-'));
  const script = fileURLToPath(new URL('../../test/scaleout/helpers/stub-server.ts', import.meta.url));
  const server = await spawnEntry(
    script,
    ['--port', '0', '--data', join(root, 'data'), '--out', join(root, 'out'), '--graphs', root],
    /Loom is running at (http:\/\/[^/\s]+)/,
  );
  try {
    return await latency(server.match[1] as string);
  } finally {
    await stop(server, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}

const skip = redisMissing();
if (skip) {
  console.error(skip);
  process.exit(0);
}

const embedded = await embeddedLatency();
const cluster = await Cluster.start([]);
const figures: Figure[] = [];
try {
  const serverOnly = await commandRate(cluster.redis.url, RATE_WINDOW_MS);
  await cluster.startWorker({ name: 'w1', models: [] });
  const scaled = await latency(cluster.url);
  figures.push(
    { metric: 'end-to-end latency, trivial prompt, embedded', value: embedded, unit: 'ms', note: 'median; includes the 50 ms start gate' },
    {
      metric: 'end-to-end latency, trivial prompt, Redis + 1 worker',
      value: scaled,
      unit: 'ms',
      baseline: { name: 'embedded', value: embedded },
      note: 'median; includes the 50 ms start gate',
    },
    { metric: 'queue overhead per prompt (Redis − embedded)', value: scaled - embedded, unit: 'ms', goal: { text: '< 50 ms', met: scaled - embedded < 50 } },
  );
  let single = 0;
  for (const workers of [1, 2, 3]) {
    if (workers > 1) await cluster.startWorker({ name: `w${workers}`, models: [] });
    const rate = await throughput(cluster.url);
    if (workers === 1) single = rate;
    const ideal = (workers * 1000) / SLEEP_MS;
    figures.push({
      metric: `throughput, ${workers} worker${workers > 1 ? 's' : ''} (${SLEEP_MS} ms sleep prompts)`,
      value: rate,
      unit: 'prompts/s',
      ...(workers > 1 && { baseline: { name: '1 worker', value: single } }),
      goal: { text: `≥ 80% of ideal ${ideal} /s`, met: rate >= 0.8 * ideal },
      note: `${THROUGHPUT_PROMPTS} prompts submitted at once; ${((100 * rate) / ideal).toFixed(0)}% of ideal`,
    });
  }
  const idle = (await commandRate(cluster.redis.url, RATE_WINDOW_MS)) - serverOnly;
  const ws = await WsProbe.connect(`${cluster.url.replace(/^http/, 'ws')}/ws?clientId=bench-busy`);
  const busyIds = await Promise.all([1, 2, 3].map(() => submit(cluster.url, sleeper(RATE_WINDOW_MS + 3000), 'bench-busy')));
  await Promise.all(busyIds.map((id) => ws.waitFor((m) => m.type === 'executing' && m.data.prompt_id === id && m.data.node === '2', 20_000)));
  const busy = (await commandRate(cluster.redis.url, RATE_WINDOW_MS)) - serverOnly;
  for (const id of busyIds) await ws.waitForEnd(id, 30_000);
  ws.close();
  figures.push(
    {
      metric: 'Redis commands/s per idle worker',
      value: idle / 3,
      unit: 'cmd/s',
      note: `3 idle workers, less the server alone (${serverOnly.toFixed(1)} cmd/s); heartbeat every 500 ms, poll every 1 s`,
    },
    {
      metric: 'Redis commands/s per busy worker',
      value: busy / 3,
      unit: 'cmd/s',
      note: "each running a prompt that sleeps (heartbeats, lock renewal), with the server's checks of its run",
    },
  );
  const recoveries = await recoveryTimes(cluster, RECOVERIES);
  figures.push({
    metric: 'recovery: SIGKILLed worker → its prompt re-running elsewhere',
    value: median(recoveries),
    unit: 'ms',
    goal: { text: '< 5 s', met: Math.max(...recoveries) < 5000 },
    note: `median of ${RECOVERIES} kills (max ${Math.max(...recoveries).toFixed(0)} ms); heartbeat TTL 2 s, server check every 1 s`,
  });
} finally {
  await cluster.close();
}

const withAffinity = await mixedThroughput('cost', MIXED_PROMPTS);
const without = await mixedThroughput('off', MIXED_PROMPTS);
const mixed = `${MIXED_PROMPTS} prompts alternating a pipeline loading in ~1 ms and one loading in ${LARGE_LOAD_MS / 1000} s, ${RUN_MS} ms each; one worker warm, one fresh`;
figures.push(
  {
    metric: 'mixed tiny/large throughput, no affinity (--affinity off)',
    value: without.rate,
    unit: 'prompts/s',
    note: `${mixed}; ${without.largeLoads} cold large loads`,
  },
  {
    metric: 'mixed tiny/large throughput, cost-based affinity',
    value: withAffinity.rate,
    unit: 'prompts/s',
    baseline: { name: 'no affinity', value: without.rate },
    goal: { text: '≥ no affinity', met: withAffinity.rate >= without.rate },
    note: `${mixed}; ${withAffinity.largeLoads} cold large loads`,
  },
);
writeResult('scaleout', 'Scale-out: queue overhead, throughput by workers, Redis cost, recovery and routing', figures);
