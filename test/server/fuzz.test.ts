/**
 * Thousands of malformed requests, generated from a fixed seed: every answer must be a 2xx/4xx with a
 * JSON error body for 4xx, never a 5xx, a hang or a crash; afterwards the server still runs prompts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { api, comfyChain, startTestServer, WsProbe, type TestServer } from './helpers/test-server.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer({ maxBodyBytes: 256 * 1024, maxUploadBytes: 64 * 1024 });
});
after(() => t.close());

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const PATHS = [
  '/prompt',
  '/api/prompt',
  '/queue',
  '/api/queue',
  '/history',
  '/history/abc',
  '/interrupt',
  '/free',
  '/object_info',
  '/object_info/Scale',
  '/view',
  '/upload/image',
  '/system_stats',
  '/features',
  '/models/loras',
  '/loom/api/prompts',
  '/loom/api/validate',
  '/loom/api/queue',
  '/loom/api/queue/x/move',
  '/loom/api/queue/x',
  '/loom/api/history',
  '/loom/api/templates/x',
  '/loom/api/templates/..%2f..%2fetc',
  '/loom/api/free',
  '/loom/api/outputs',
  '/%00',
  '/%zz',
  '/view?filename=%00',
  '/history?max_items=-1',
  '/history?offset=1e99',
];
const CLASSES = ['Source', 'Add', 'Scale', 'Collect', 'Fail', 'ComfyCollect', 'ShowText', 'String', 'NoSuch', '', 42, null];

function value(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 3 ? 7 : 10));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return [1e308, -0, -1, 2 ** 64, Number.MAX_SAFE_INTEGER + 2, 0.5][Math.floor(r() * 6)];
    case 3:
      return ['', 'mul', 'pow', '\u0000', '../..', '%2e%2e', 'é😀', 'a'.repeat(1000)][Math.floor(r() * 8)];
    case 4:
      return [String(Math.floor(r() * 5)), Math.floor(r() * 3) - 1];
    case 5:
      return { __value__: [1, 2] };
    case 6:
      return Math.floor(r() * 2000) - 1000;
    case 7:
      return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [`k${i}`, value(r, depth + 1)]));
  }
}

function randomPrompt(r: () => number): unknown {
  const nodes: Record<string, unknown> = {};
  for (let i = 0; i < 1 + Math.floor(r() * 5); i++) {
    const inputs: Record<string, unknown> = {};
    for (const name of ['value', 'x', 'a', 'b', 'factor', 'mode', 'label', 'first', 'text', 'ms']) if (r() < 0.4) inputs[name] = name === 'ms' ? 1 : value(r);
    nodes[r() < 0.1 ? `bad id ${i}` : String(i)] =
      r() < 0.1 ? value(r) : { class_type: CLASSES[Math.floor(r() * CLASSES.length)], inputs: r() < 0.1 ? value(r) : inputs };
  }
  return nodes;
}

function randomBody(r: () => number): { body: string | Uint8Array; type?: string } {
  switch (Math.floor(r() * 9)) {
    case 0:
      return {
        body: JSON.stringify({ prompt: randomPrompt(r), client_id: r() < 0.5 ? 'fuzz' : value(r), number: value(r), front: value(r) }),
        type: 'application/json',
      };
    case 1:
      return { body: JSON.stringify({ prompt: randomPrompt(r) }).slice(0, Math.floor(r() * 60)), type: 'application/json' };
    case 2:
      return { body: '['.repeat(5000) + ']'.repeat(5000), type: 'text/plain' };
    case 3:
      return { body: Uint8Array.from({ length: 200 }, () => Math.floor(r() * 256)) };
    case 4:
      return { body: JSON.stringify(value(r)), type: r() < 0.5 ? 'application/json' : 'text/plain;charset=UTF-8' };
    case 5:
      return {
        body: '--xx\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\nnot an image',
        type: 'multipart/form-data; boundary=' + (r() < 0.5 ? 'xx' : ''),
      };
    case 6:
      return { body: JSON.stringify({ graph: randomPrompt(r), clientId: value(r), targets: value(r), index: value(r) }), type: 'application/json' };
    case 7:
      return { body: JSON.stringify({ version: 1, nodes: { a: { type: 'Source', inputs: { value: value(r) } } } }), type: 'application/json' };
    default:
      return { body: 'x=1&y=2', type: r() < 0.5 ? 'application/x-www-form-urlencoded' : 'application/json; charset=latin-9' };
  }
}

test('3,000 malformed HTTP requests: no 5xx, JSON errors, bounded time', { timeout: 120_000 }, async () => {
  const r = rng(20251125);
  const started = Date.now();
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const TOTAL = 3000;
  const worker = async (): Promise<void> => {
    while (next < TOTAL) {
      next++;
      const method = ['GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH'][Math.floor(r() * 6)] as string;
      const path = PATHS[Math.floor(r() * PATHS.length)] as string;
      const { body, type } = randomBody(r);
      const headers: Record<string, string> = type ? { 'content-type': type } : {};
      const res = await fetch(t.url + path, { method, headers, ...(method !== 'GET' && { body }), signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) failures.push(`${method} ${path} → ${res.status} ${text.slice(0, 200)}`);
      if (res.status >= 400) {
        try {
          const parsed = JSON.parse(text) as { error?: { type?: unknown; message?: unknown } };
          if (typeof parsed.error?.type !== 'string' || typeof parsed.error.message !== 'string')
            failures.push(`${method} ${path} → ${res.status} without error.type/message: ${text.slice(0, 120)}`);
        } catch {
          failures.push(`${method} ${path} → ${res.status} non-JSON: ${text.slice(0, 120)}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const elapsed = Date.now() - started;
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} bad answers`);
  assert.ok(elapsed < 90_000, `took ${elapsed} ms`);
  assert.ok((statuses.get(400) ?? 0) > 500, `many requests were rejected as bad: ${JSON.stringify([...statuses])}`);
  await api(t.url, '/queue', { json: { clear: true } });
  await api(t.url, '/interrupt', { method: 'POST' });
});

test('300 garbage byte streams on raw sockets are answered or closed, and the server stays healthy', { timeout: 60_000 }, async () => {
  const r = rng(7);
  for (let i = 0; i < 300; i++) {
    const junk =
      i % 3 === 0
        ? Buffer.from(`GET /${'a'.repeat(Math.floor(r() * 100))} HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n`)
        : Buffer.from(Array.from({ length: 1 + Math.floor(r() * 300) }, () => Math.floor(r() * 256)));
    await new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(t.url).port), '127.0.0.1', () => socket.end(junk));
      socket.on('data', () => {});
      socket.setTimeout(5000, () => socket.destroy());
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
  }
  assert.equal((await api(t.url, '/system_stats')).status, 200);
  const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=after-fuzz`);
  ws.ws.send(Buffer.from([1, 2, 3]));
  ws.ws.send('not json');
  ws.ws.send(JSON.stringify({ type: 'feature_flags', data: 'weird' }));
  const id = ((await api(t.url, '/prompt', { json: { prompt: comfyChain(555), client_id: 'after-fuzz' } })).body as { prompt_id: string }).prompt_id;
  await ws.waitForEnd(id, 30_000);
  ws.close();
});
