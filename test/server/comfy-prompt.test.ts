/**
 * ComfyUI compatibility of POST /prompt and its WebSocket messages, checked against the wire formats
 * and orders of ComfyUI's server.py and execution.py (the prompt response, status/execution_start/
 * executing/executed messages, node_errors), over real HTTP and real sockets.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, comfyChain, startTestServer, WsProbe, type TestServer } from './helpers/test-server.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

async function post(body: unknown, contentType = 'application/json') {
  return api(t.url, '/prompt', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': contentType } });
}

test('POST /prompt also takes a UI workflow (Loom extension); its outputs appear in history', async () => {
  const workflow = {
    nodes: [
      { id: 1, type: 'Source', widgets_values: [4] },
      { id: 5, type: 'Reroute', inputs: [{ name: '', type: '*', link: 1 }] },
      { id: 2, type: 'Collect', inputs: [{ name: 'a', type: 'FLOAT', link: 2 }], widgets_values: ['from-ui'] },
    ],
    links: [
      [1, 1, 0, 5, 0, 'FLOAT'],
      [2, 5, 0, 2, 0, 'FLOAT'],
    ],
    groups: [{ title: 'g', bounding: [0, 0, 1, 1] }],
  };
  const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=ui-client`);
  const res = await post({ prompt: workflow, client_id: 'ui-client' });
  assert.equal(res.status, 200, res.text);
  const id = (res.body as { prompt_id: string }).prompt_id;
  await ws.waitForEnd(id);
  const history = (await api(t.url, `/history/${id}`)).body as Record<string, { outputs: Record<string, unknown> }>;
  assert.deepEqual(Object.keys(history[id]?.outputs ?? {}), ['2']);
  ws.close();
});

describe('POST /prompt and the WebSocket message sequence', () => {
  test('text/plain body, sid echo, full message order, history before the status broadcast', async () => {
    const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=client-a`);
    const hello = await ws.waitFor((m) => m.type === 'status');
    assert.equal(ws.messages[0], hello, 'status is the first message');
    assert.equal(hello.data.sid, 'client-a');
    assert.deepEqual(hello.data.status, { exec_info: { queue_remaining: 0 } });

    let historyAtStatus: unknown;
    let sawSuccess = false;
    ws.ws.on('message', (raw: Buffer) => {
      const m = JSON.parse(raw.toString()) as { type: string; data: { status?: { exec_info: { queue_remaining: number } } } };
      if (m.type === 'execution_success') sawSuccess = true;
      if (sawSuccess && m.type === 'status' && m.data.status?.exec_info.queue_remaining === 0 && historyAtStatus === undefined) {
        historyAtStatus = api(t.url, `/history/${id}`).then((r) => r.body);
      }
    });
    // A widely used client posts JSON as text/plain; ComfyUI (aiohttp `request.json()`) parses it anyway.
    const res = await post(
      { prompt: comfyChain(11, 40), client_id: 'client-a', extra_data: { extra_pnginfo: { workflow: { x: 1 } } } },
      'text/plain;charset=UTF-8',
    );
    assert.equal(res.status, 200);
    const body = res.body as { prompt_id: string; number: number; node_errors: object };
    const id = body.prompt_id;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(typeof body.number, 'number');
    assert.deepEqual(body.node_errors, {});

    await ws.waitForEnd(id);
    const types = ws.messages.map((m) => m.type);
    const own = ws.forPrompt(id).map((m) => `${m.type}${m.type === 'executing' ? `:${m.data.node}` : ''}`);
    // ComfyUI's order (execution.py `PromptExecutor.execute`): start, cached, per node (progress_state, executing, progress…, executed), success, end marker.
    assert.deepEqual(
      own.filter((x) => !x.startsWith('progress')),
      ['execution_start', 'execution_cached', 'executing:1', 'executing:2', 'executing:3', 'executed', 'execution_success', 'executing:null'],
    );
    const progress = ws.forPrompt(id).filter((m) => m.type === 'progress');
    assert.deepEqual(
      progress.map((m) => [m.data.value, m.data.max, m.data.node]),
      [
        [1, 4, '2'],
        [2, 4, '2'],
        [3, 4, '2'],
        [4, 4, '2'],
      ],
    );
    // The end marker comes after the status broadcast that follows success.
    const success = types.indexOf('execution_success');
    const statusAfter = types.indexOf('status', success);
    const end = ws.messages.findIndex((m) => m.type === 'executing' && m.data.node === null);
    assert.ok(success < statusAfter && statusAfter < end, `order: ${types.join(',')}`);
    const executed = ws.forPrompt(id).find((m) => m.type === 'executed');
    assert.deepEqual(executed?.data, { node: '3', display_node: '3', output: { values: [11], label: ['v11'] }, prompt_id: id });
    const state = ws
      .forPrompt(id)
      .filter((m) => m.type === 'progress_state')
      .at(-1)?.data.nodes as Record<string, { state: string; node_id: string }>;
    assert.deepEqual(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.state])), { '1': 'finished', '2': 'finished', '3': 'finished' });
    // History was readable at the moment of the status broadcast (clients look it up when the prompt leaves the queue).
    const history = (await historyAtStatus) as Record<
      string,
      { status: { status_str: string; completed: boolean; messages: [string, object][] }; prompt: unknown[]; outputs: object }
    >;
    const entry = history[id];
    assert.ok(entry, 'history written before the status broadcast');
    assert.equal(entry.status.status_str, 'success');
    assert.equal(entry.status.completed, true);
    assert.deepEqual(
      entry.status.messages.map(([type]) => type),
      ['execution_start', 'execution_cached', 'execution_success'],
    );
    assert.deepEqual(entry.prompt.slice(0, 2), [body.number, id]);
    assert.deepEqual(entry.prompt[3], { extra_pnginfo: { workflow: { x: 1 } }, client_id: 'client-a' });
    assert.deepEqual(entry.prompt[4], ['3']);
    assert.deepEqual(entry.outputs, { '3': { values: [11], label: ['v11'] } });
    ws.close();
  });

  test('a fully cached prompt still sends `executed` for its output node and records its outputs', async () => {
    const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=client-c`);
    const first = (await post({ prompt: comfyChain(22), client_id: 'client-c' })).body as { prompt_id: string };
    await ws.waitForEnd(first.prompt_id);
    const again = (await post({ prompt: comfyChain(22), client_id: 'client-c' })).body as { prompt_id: string };
    await ws.waitForEnd(again.prompt_id);
    const msgs = ws.forPrompt(again.prompt_id);
    assert.deepEqual(msgs.find((m) => m.type === 'execution_cached')?.data.nodes, ['1', '3']);
    assert.equal(msgs.filter((m) => m.type === 'executing' && m.data.node !== null).length, 0, 'nothing executes');
    assert.deepEqual(msgs.find((m) => m.type === 'executed')?.data.output, { values: [22], label: ['v22'] });
    const history = (await api(t.url, `/history/${again.prompt_id}`)).body as Record<string, { outputs: object }>;
    assert.deepEqual(history[again.prompt_id]?.outputs, { '3': { values: [22], label: ['v22'] } });
    ws.close();
  });

  test("events go only to the prompt's client; without client_id only progress is broadcast", async () => {
    const a = await WsProbe.connect(`${t.wsUrl}/ws?clientId=route-a`);
    const b = await WsProbe.connect(`${t.wsUrl}/ws?clientId=route-b`);
    const mine = (await post({ prompt: comfyChain(31, 20), client_id: 'route-a' })).body as { prompt_id: string };
    await a.waitForEnd(mine.prompt_id);
    assert.equal(b.forPrompt(mine.prompt_id).length, 0, 'another client sees none of it');
    const anonymous = (await post({ prompt: comfyChain(32, 20) })).body as { prompt_id: string };
    await b.waitFor((m) => m.type === 'progress' && m.data.prompt_id === anonymous.prompt_id && m.data.value === 4);
    await new Promise((r) => setTimeout(r, 100));
    for (const probe of [a, b]) {
      const kinds = new Set(probe.forPrompt(anonymous.prompt_id).map((m) => m.type));
      assert.deepEqual([...kinds].sort(), ['progress', 'progress_state']);
    }
    a.close();
    b.close();
  });

  test('a generated sid is 32 hex digits; a reconnect with the same id replaces the old socket', async () => {
    const anon = await WsProbe.connect(`${t.wsUrl}/ws`);
    const hello = await anon.waitFor((m) => m.type === 'status');
    assert.match(String(hello.data.sid), /^[0-9a-f]{32}$/);
    const first = await WsProbe.connect(`${t.wsUrl}/api/ws?clientId=twice`);
    const closed = new Promise((r) => first.ws.once('close', r));
    const second = await WsProbe.connect(`${t.wsUrl}/ws?clientId=twice`);
    await closed;
    const res = (await post({ prompt: comfyChain(41), client_id: 'twice' })).body as { prompt_id: string };
    await second.waitForEnd(res.prompt_id);
    anon.close();
    second.close();
  });

  test('a client reconnecting while its prompt runs is told the running node', async () => {
    const first = await WsProbe.connect(`${t.wsUrl}/ws?clientId=recon`);
    const id = ((await post({ prompt: comfyChain(45, 1200), client_id: 'recon' })).body as { prompt_id: string }).prompt_id;
    await first.waitFor((m) => m.type === 'executing' && m.data.node === '2');
    first.close();
    const again = await WsProbe.connect(`${t.wsUrl}/ws?clientId=recon`);
    await again.waitFor((m) => m.type === 'executing');
    assert.deepEqual(
      again.messages.slice(0, 2).map((m) => m.type),
      ['status', 'executing'],
    );
    assert.deepEqual(again.messages[1]?.data, { node: '2' });
    await again.waitForEnd(id);
    again.close();
  });

  test('binary previews are type 1 frames with a big-endian header, or type 4 after feature_flags', async () => {
    const plain = await WsProbe.connect(`${t.wsUrl}/ws?clientId=prev-1`);
    const meta = await WsProbe.connect(`${t.wsUrl}/ws?clientId=prev-4`);
    meta.ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
    const flags = await meta.waitFor((m) => m.type === 'feature_flags');
    assert.equal(flags.data.supports_preview_metadata, true);
    assert.equal(typeof flags.data.max_upload_size, 'number');
    const graph = {
      '1': { class_type: 'Source', inputs: { value: 51 } },
      '2': { class_type: 'Previews', inputs: { x: ['1', 0], steps: 3, bytes: 40 } },
      '3': { class_type: 'Collect', inputs: { a: ['2', 0] } },
    };
    const p1 = (await post({ prompt: graph, client_id: 'prev-1' })).body as { prompt_id: string };
    await plain.waitForEnd(p1.prompt_id);
    assert.equal(plain.binaries.length, 3);
    for (const frame of plain.binaries) {
      assert.equal(frame.readUInt32BE(0), 1, 'PREVIEW_IMAGE');
      assert.equal(frame.readUInt32BE(4), 1, 'JPEG');
      assert.equal(frame.length, 8 + 40);
      assert.deepEqual([...frame.subarray(8, 11)], [0xff, 0xd8, 0xff]);
    }
    const p4 = (await post({ prompt: { ...graph, '1': { class_type: 'Source', inputs: { value: 52 } } }, client_id: 'prev-4' })).body as { prompt_id: string };
    await meta.waitForEnd(p4.prompt_id);
    assert.equal(meta.binaries.length, 3);
    const frame = meta.binaries[0] as Buffer;
    assert.equal(frame.readUInt32BE(0), 4);
    const len = frame.readUInt32BE(4);
    const json = JSON.parse(frame.subarray(8, 8 + len).toString()) as Record<string, unknown>;
    assert.deepEqual(json, { node_id: '2', prompt_id: p4.prompt_id, display_node_id: '2', parent_node_id: null, real_node_id: '2', image_type: 'image/jpeg' });
    assert.equal(frame.length - 8 - len, 40);
    plain.close();
    meta.close();
  });

  test('a failing node: execution_error payload and an error history entry', async () => {
    const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=fail`);
    const prompt = {
      '1': { class_type: 'Source', inputs: { value: 61 } },
      '2': { class_type: 'Fail', inputs: { x: ['1', 0] } },
      '3': { class_type: 'Collect', inputs: { a: ['2', 0] } },
    };
    const id = ((await post({ prompt, client_id: 'fail' })).body as { prompt_id: string }).prompt_id;
    await ws.waitForEnd(id);
    const error = ws.forPrompt(id).find((m) => m.type === 'execution_error')?.data;
    assert.ok(error);
    assert.equal(error.node_id, '2');
    assert.equal(error.node_type, 'Fail');
    assert.match(String(error.exception_message), /boom/);
    assert.deepEqual(error.executed, ['1']);
    for (const key of ['exception_type', 'traceback', 'current_inputs', 'current_outputs', 'timestamp']) assert.ok(key in error, key);
    const entry = ((await api(t.url, `/history/${id}`)).body as Record<string, { status: { status_str: string; completed: boolean; messages: [string][] } }>)[
      id
    ];
    assert.equal(entry?.status.status_str, 'error');
    assert.equal(entry?.status.completed, false);
    assert.equal(entry?.status.messages.at(-1)?.[0], 'execution_error');
    ws.close();
  });

  test('client-chosen prompt_id, front and number are honoured', async () => {
    const res = await post({ prompt: comfyChain(71), prompt_id: 'my-id-1', number: 7.5 });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { prompt_id: 'my-id-1', number: 7.5, node_errors: {} });
    const bad = await post({ prompt: comfyChain(72), prompt_id: '../etc' });
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { error: { type: string } }).error.type, 'invalid_prompt_id');
  });
});
