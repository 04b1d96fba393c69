/**
 * Server benchmarks (not tests): a real server process with the stub nodes, driven from this process.
 * 1. POST /prompt latency, p50/p99, open loop at a fixed request rate (requests are sent on schedule
 *    whether or not earlier ones have answered, so queueing delay shows up in the tail).
 * 2. Events per second delivered to 100 WebSocket clients, counting every progress message each client
 *    receives and checking that none was lost or reordered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { writeResult, type Figure } from '../lib/report.ts';
import { writeFileAtomic } from '../../packages/server/src/store/atomic-write.ts';

const RATE = Number(process.env.RATE ?? 20); // requests per second: below the sustained prompt throughput, so the queue stays short
const SECONDS = Number(process.env.SECONDS ?? 15);
const CLIENTS = 100;
const STEPS = 2000;

const server = fileURLToPath(new URL('../../test/server/helpers/stub-server.ts', import.meta.url));

async function launch(root: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      server,
      '--port',
      '0',
      '--data',
      join(root, 'data'),
      '--out',
      join(root, 'out'),
      '--input',
      join(root, 'in'),
      '--graphs',
      join(root, 'graphs'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /Loom is running at (http:\/\/[^/\s]+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

async function postLatency(url: string): Promise<Figure[]> {
  const latencies: number[] = [];
  const total = RATE * SECONDS;
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    const prompt = { '1': { class_type: 'Source', inputs: { value: i % 1000 } }, '2': { class_type: 'Collect', inputs: { a: ['1', 0], label: `b${i}` } } };
    pending.push(
      fetch(`${url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt, client_id: 'bench' }) }).then(async (res) => {
        await res.text();
        if (res.status !== 200) throw new Error(`status ${res.status}`);
        latencies.push(performance.now() - sent);
      }),
    );
  }
  await Promise.all(pending);
  const drained = await drain(url);
  const sorted = latencies.sort((a, b) => a - b);
  return [
    {
      metric: `POST /prompt p50 at ${RATE} req/s`,
      value: percentile(sorted, 50),
      unit: 'ms',
      note: `${total} requests over ${SECONDS} s; each one validated, persisted (fsync) and queued`,
    },
    { metric: `POST /prompt p99 at ${RATE} req/s`, value: percentile(sorted, 99), unit: 'ms' },
    {
      metric: 'prompts completed per second (trivial 2-node prompt, end to end)',
      value: total / ((drained - start) / 1000),
      unit: 'prompts/s',
      note: 'bounded by the fsync of each history entry (one atomic write per prompt)',
    },
    { metric: 'one atomic write (tmp + fsync + rename + directory fsync) on this disk', value: await atomicWriteMs(), unit: 'ms' },
  ];
}

/** Waits until the queue is empty; returns when it was. */
async function drain(url: string): Promise<number> {
  for (;;) {
    const body = (await (await fetch(`${url}/prompt`)).json()) as { exec_info: { queue_remaining: number } };
    if (body.exec_info.queue_remaining === 0) return performance.now();
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function atomicWriteMs(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'loom-fsync-'));
  const started = performance.now();
  for (let i = 0; i < 20; i++) await writeFileAtomic(join(dir, 'x.json'), 'x'.repeat(1000));
  rmSync(dir, { recursive: true, force: true });
  return (performance.now() - started) / 20;
}

async function fanOut(url: string): Promise<Figure[]> {
  const wsUrl = url.replace(/^http/, 'ws');
  const counts = new Array<number>(CLIENTS).fill(0);
  const disorder = new Array<number>(CLIENTS).fill(0);
  let done = 0;
  let resolveAll!: () => void;
  const allDone = new Promise<void>((r) => (resolveAll = r));
  const sockets = await Promise.all(
    Array.from(
      { length: CLIENTS },
      (_, i) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`${wsUrl}/ws?clientId=fan${i}`);
          let last = 0;
          ws.on('message', (data: Buffer, binary) => {
            if (binary) return;
            const m = JSON.parse(data.toString()) as { type: string; data: { value?: number; max?: number } };
            if (m.type !== 'progress') return;
            counts[i] = (counts[i] as number) + 1;
            if (m.data.value !== last + 1) disorder[i] = (disorder[i] as number) + 1;
            last = m.data.value ?? last;
            if (m.data.value === STEPS && ++done === CLIENTS) resolveAll();
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
  // No client_id: ComfyUI broadcasts progress to every socket (server.py `send_sync` without a sid).
  const prompt = {
    '1': { class_type: 'Source', inputs: { value: 1 } },
    '2': { class_type: 'Previews', inputs: { x: ['1', 0], steps: STEPS, bytes: 16, ms: 0 } },
    '3': { class_type: 'Collect', inputs: { a: ['2', 0] } },
  };
  const started = performance.now();
  const posted = await fetch(`${url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt }) });
  if (posted.status !== 200) throw new Error(`fan-out prompt refused: ${await posted.text()}`);
  await Promise.race([allDone, new Promise((r) => setTimeout(r, 120_000).unref())]);
  const elapsed = (performance.now() - started) / 1000;
  for (const ws of sockets) ws.close();
  const received = counts.reduce((a, b) => a + b, 0);
  const expected = CLIENTS * STEPS;
  // Each step sends three frames per client: progress, progress_state and a preview.
  return [
    {
      metric: `progress events delivered to ${CLIENTS} clients`,
      value: received / elapsed,
      unit: 'events/s',
      note: `${STEPS} steps broadcast; ${received}/${expected} received, ${disorder.reduce((a, b) => a + b, 0)} out of order; each step also sends progress_state and a binary preview`,
    },
    { metric: 'messages lost', value: expected - received, unit: 'messages', goal: { text: '= 0', met: received === expected } },
    { metric: 'all WebSocket frames per second (3 per step per client)', value: (3 * received) / elapsed, unit: 'frames/s' },
  ];
}

const root = mkdtempSync(join(tmpdir(), 'loom-server-bench-'));
const { child, url } = await launch(root);
try {
  const figures = [...(await postLatency(url)), ...(await fanOut(url))];
  writeResult('server', 'Server: POST /prompt latency and WebSocket fan-out', figures);
} finally {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  rmSync(root, { recursive: true, force: true });
}
