/**
 * Many concurrent WebSocket clients each get exactly their own prompt's events; the heartbeat keeps
 * flowing during a long silent node (a model load); a client that stops reading never stalls execution
 * and loses previews first; a hopelessly slow one is closed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, comfyChain, startTestServer, WsProbe } from './helpers/test-server.ts';

test('40 concurrent clients, each posting its own prompt, receive only their own events', { timeout: 60_000 }, async () => {
  const t = await startTestServer();
  try {
    const N = 40;
    const clients = await Promise.all(Array.from({ length: N }, (_, i) => WsProbe.connect(`${t.wsUrl}/ws?clientId=c${i}`)));
    const ids = await Promise.all(
      clients.map(
        async (_c, i) =>
          ((await api(t.url, '/prompt', { json: { prompt: comfyChain(100 + i, 8), client_id: `c${i}` } })).body as { prompt_id: string }).prompt_id,
      ),
    );
    await Promise.all(clients.map((c, i) => c.waitForEnd(ids[i] as string, 50_000)));
    for (const [i, client] of clients.entries()) {
      const foreign = client.messages.filter((m) => typeof m.data.prompt_id === 'string' && m.data.prompt_id !== ids[i]);
      assert.deepEqual(foreign, [], `client ${i} saw another prompt's events`);
      const own = client.forPrompt(ids[i] as string);
      assert.equal(own.filter((m) => m.type === 'execution_success').length, 1);
      assert.deepEqual(own.find((m) => m.type === 'executed')?.data.output, { values: [100 + i], label: [`v${100 + i}`] });
      assert.deepEqual(
        own.filter((m) => m.type === 'progress').map((m) => m.data.value),
        [1, 2, 3, 4],
      );
      // Queue status is broadcast to everyone: each client saw the queue drain to 0 at the end.
      assert.ok(
        client.messages.some((m) => m.type === 'status' && (m.data.status as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining === 0),
      );
    }
    const statusCounts = clients.map((c) => c.messages.filter((m) => m.type === 'status').length);
    assert.ok(Math.min(...statusCounts) >= N, `every client saw the queue change for every prompt: ${Math.min(...statusCounts)}`);
    for (const c of clients) c.close();
  } finally {
    await t.close();
  }
});

test('the heartbeat continues while a node works silently for longer than several beats', { timeout: 30_000 }, async () => {
  const t = await startTestServer({ heartbeatMs: 200 });
  try {
    const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=hb`);
    const prompt = {
      '1': { class_type: 'Source', inputs: { value: 1 } },
      '2': { class_type: 'Sleep', inputs: { x: ['1', 0], ms: 1500 } },
      '3': { class_type: 'Collect', inputs: { a: ['2', 0] } },
    };
    const id = ((await api(t.url, '/prompt', { json: { prompt, client_id: 'hb' } })).body as { prompt_id: string }).prompt_id;
    const executing = await ws.waitFor((m) => m.type === 'executing' && m.data.node === '2');
    const from = ws.messages.indexOf(executing);
    await ws.waitForEnd(id);
    const during = ws.messages.slice(
      from,
      ws.messages.findIndex((m) => m.type === 'progress_state' && (m.data.nodes as Record<string, { state: string }>)['2']?.state === 'finished'),
    );
    const beats = during.filter((m) => m.type === 'status');
    // 1.5 s of silence at one beat per 200 ms: about 7 beats; demand at least 4 to tolerate a busy machine.
    assert.ok(beats.length >= 4, `heartbeats during the silent node: ${beats.length}`);
    ws.close();
  } finally {
    await t.close();
  }
});

test('a client that stops reading loses previews, not execution; the others get everything', { timeout: 60_000 }, async () => {
  const t = await startTestServer({ wsLimits: { previewBytes: 256 * 1024, progressBytes: 512 * 1024, closeBytes: 64 * 1024 * 1024 } });
  try {
    const slow = await WsProbe.connect(`${t.wsUrl}/ws`);
    const healthy = await WsProbe.connect(`${t.wsUrl}/ws`);
    await slow.waitFor((m) => m.type === 'status');
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // stop reading: the server's buffer fills
    const steps = 150;
    const bytes = 128 * 1024;
    // No client_id: progress and previews are broadcast to every socket (ComfyUI server.py `send_sync` with sid None).
    const prompt = {
      '1': { class_type: 'Source', inputs: { value: 9 } },
      '2': { class_type: 'Previews', inputs: { x: ['1', 0], steps, bytes, ms: 2 } },
      '3': { class_type: 'Collect', inputs: { a: ['2', 0] } },
    };
    const started = Date.now();
    const id = ((await api(t.url, '/prompt', { json: { prompt } })).body as { prompt_id: string }).prompt_id;
    let entry: unknown;
    while (!entry && Date.now() - started < 30_000) {
      entry = ((await api(t.url, `/history/${id}`)).body as Record<string, unknown>)[id];
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(entry, 'the prompt finished although one client reads nothing');
    await healthy.waitFor((m) => m.type === 'progress' && m.data.prompt_id === id && m.data.value === steps);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(healthy.binaries.length, steps, 'the reading client got every preview');
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await slow.waitFor((m) => m.type === 'progress' && m.data.prompt_id === id && m.data.value === steps, 20_000).catch(() => undefined);
    assert.ok(slow.binaries.length < steps, `previews were dropped for the stalled client (${slow.binaries.length}/${steps})`);
    healthy.close();
    slow.close();
  } finally {
    await t.close();
  }
});

test('a stalled client whose backlog passes the close limit is disconnected', { timeout: 60_000 }, async () => {
  const t = await startTestServer({ wsLimits: { previewBytes: 16 * 1024 * 1024, progressBytes: 16 * 1024 * 1024, closeBytes: 1024 * 1024 } });
  try {
    const slow = await WsProbe.connect(`${t.wsUrl}/ws`);
    await slow.waitFor((m) => m.type === 'status');
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const prompt = {
      '1': { class_type: 'Source', inputs: { value: 8 } },
      '2': { class_type: 'Previews', inputs: { x: ['1', 0], steps: 200, bytes: 256 * 1024, ms: 1 } },
      '3': { class_type: 'Collect', inputs: { a: ['2', 0] } },
    };
    await api(t.url, '/prompt', { json: { prompt } });
    // The paused client cannot notice the close (it reads nothing), so watch the server's side.
    const deadline = Date.now() + 30_000;
    while (t.server.hub.clientCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(t.server.hub.clientCount, 0, 'the stalled socket was closed by the server');
    slow.ws.terminate();
  } finally {
    await t.close();
  }
});

test('a peer that stops answering pings is dropped after a missed heartbeat', { timeout: 20_000 }, async () => {
  const t = await startTestServer({ heartbeatMs: 100 });
  try {
    const live = await WsProbe.connect(`${t.wsUrl}/ws?clientId=live`);
    const dead = await WsProbe.connect(`${t.wsUrl}/ws?clientId=dead`);
    await dead.waitFor((m) => m.type === 'status');
    (dead.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // it can no longer read pings, so never pongs
    const deadline = Date.now() + 5000;
    while (t.server.hub.clientCount > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    assert.equal(t.server.hub.clientCount, 1, 'only the live client remains');
    const beats = live.messages.filter((m) => m.type === 'status').length;
    assert.ok(beats >= 3, `the live client keeps getting heartbeats (${beats})`);
    live.close();
    dead.ws.terminate();
  } finally {
    await t.close();
  }
});
