/**
 * Safe by default: a non-loopback bind needs a token; with a token every HTTP request and WebSocket
 * upgrade must present it; cross-origin requests, `Origin: null` and unknown `Host` names (DNS
 * rebinding) are refused; oversized and malformed bodies get JSON errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineNode, LoomError, param } from '@loom/engine';
import { createServer } from '../../packages/server/src/create-server.ts';
import { PathRedactor } from '../../packages/server/src/http/redact-paths.ts';
import { api, comfyChain, makeDirs, startTestServer, stubHost, WsProbe, type TestServer } from './helpers/test-server.ts';

describe('binding', () => {
  test('a non-loopback address without a token is refused before listening', async () => {
    const dirs = makeDirs();
    const server = await createServer({ host: stubHost(dirs), dataDir: dirs.data, log: () => {} });
    await assert.rejects(server.listen(0, '0.0.0.0'), /without a token/);
    await assert.rejects(server.listen(0, '192.168.1.10'), /without a token/);
    assert.equal(server.http.listening, false);
    await server.close();
  });
});

describe('token', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ token: 's3cret-token' });
  });
  after(() => t.close());

  test('HTTP requests without the token get 401 JSON; Bearer, ?token= and the cookie work', async () => {
    for (const path of ['/system_stats', '/api/queue', '/loom/api/system', '/view?filename=x.png', '/', '/nope']) {
      const res = await api(t.url, path);
      assert.equal(res.status, 401, path);
      assert.equal((res.body as { error: { type: string } }).error.type, 'unauthorized');
    }
    const wrong = await api(t.url, '/system_stats', { headers: { authorization: 'Bearer wrong' } });
    assert.equal(wrong.status, 401);
    assert.equal((await api(t.url, '/system_stats', { headers: { authorization: 'Bearer s3cret-token' } })).status, 200);
    const viaQuery = await api(t.url, '/system_stats?token=s3cret-token');
    assert.equal(viaQuery.status, 200);
    const cookie = viaQuery.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.equal((await api(t.url, '/queue', { headers: { cookie: cookie.split(';')[0] as string } })).status, 200);
    const post = await api(t.url, '/prompt', { json: { prompt: comfyChain(1) } });
    assert.equal(post.status, 401, 'no prompt runs without the token');
  });

  test('WebSocket upgrades need the token too', async () => {
    await assert.rejects(WsProbe.connect(`${t.wsUrl}/ws?clientId=a`), /401/);
    await assert.rejects(WsProbe.connect(`${t.wsUrl}/loom/ws?token=nope`), /401/);
    const ok = await WsProbe.connect(`${t.wsUrl}/ws?clientId=a&token=s3cret-token`);
    assert.equal((await ok.waitFor((m) => m.type === 'status')).data.sid, 'a');
    ok.close();
    const bearer = await WsProbe.connect(`${t.wsUrl}/ws?clientId=b`, { authorization: 'Bearer s3cret-token' });
    bearer.close();
  });
});

describe('origin and bodies', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ maxBodyBytes: 4096 });
  });
  after(() => t.close());

  test('a request from another origin is refused (403), its own origin is fine', async () => {
    const evil = await api(t.url, '/prompt', { json: { prompt: comfyChain(1) }, headers: { origin: 'http://evil.example' } });
    assert.equal(evil.status, 403);
    assert.equal((evil.body as { error: { type: string } }).error.type, 'forbidden_origin');
    const own = await api(t.url, '/system_stats', { headers: { origin: t.url } });
    assert.equal(own.status, 200);
    await assert.rejects(WsProbe.connect(`${t.wsUrl}/ws`, { origin: 'http://evil.example' }), /403/);
  });

  test("oversized bodies → 413 JSON; malformed JSON → 400 with the parser's position", async () => {
    const big = await api(t.url, '/prompt', { method: 'POST', body: JSON.stringify({ prompt: { x: 'a'.repeat(5000) } }) });
    assert.equal(big.status, 413);
    assert.equal((big.body as { error: { type: string } }).error.type, 'body_too_large');
    const bad = await api(t.url, '/prompt', { method: 'POST', body: '{"prompt": {', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    const error = (bad.body as { error: { type: string; message: string } }).error;
    assert.equal(error.type, 'invalid_json');
    assert.match(error.message, /JSON/);
  });

  test('unknown WebSocket paths are refused with 404', async () => {
    await assert.rejects(WsProbe.connect(`${t.wsUrl}/socket`), /404/);
    await assert.rejects(WsProbe.connect(`${t.wsUrl}/ws?clientId=${'x'.repeat(200)}`), /400/);
  });
});

/** A request with a chosen Host header (fetch would send the URL's own). */
function withHost(base: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      base + path,
      { method: body === undefined ? 'GET' : 'POST', headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

describe('Origin: null', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  test('a sandboxed frame (Origin: null) cannot run prompts, read history or open a socket', async () => {
    const post = await api(t.url, '/prompt', { json: { prompt: comfyChain(1) }, headers: { origin: 'null' } });
    assert.equal(post.status, 403);
    assert.equal((post.body as { error: { type: string } }).error.type, 'forbidden_origin');
    assert.equal((await api(t.url, '/history', { headers: { origin: 'null' } })).status, 403);
    await assert.rejects(WsProbe.connect(`${t.wsUrl}/ws`, { origin: 'null' }), /403/);
    await assert.rejects(WsProbe.connect(`${t.wsUrl}/loom/ws`, { origin: 'null' }), /403/);
  });
});

for (const token of [undefined, 'h0st-token']) {
  describe(`Host allow-list (${token === undefined ? 'no token' : 'with a token'})`, () => {
    let t: TestServer;
    let port: string;
    const auth: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    before(async () => {
      t = await startTestServer({ allowedHosts: ['loom.lan', 'box.example:9000'], ...(token !== undefined && { token }) });
      port = new URL(t.url).port;
    });
    after(() => t.close());

    test('DNS rebinding (foreign Host with a matching Origin) gets 403 for HTTP and WebSocket', async () => {
      const evil = `rebind.attacker.example:${port}`;
      const headers = { ...auth, host: evil, origin: `http://${evil}` };
      const history = await withHost(t.url, '/history', headers);
      assert.equal(history.status, 403);
      assert.equal((JSON.parse(history.text) as { error: { type: string } }).error.type, 'forbidden_host');
      assert.equal((await withHost(t.url, '/prompt', headers, JSON.stringify({ prompt: comfyChain(1) }))).status, 403);
      assert.equal((await withHost(t.url, '/loom/api/system', { ...auth, host: evil })).status, 403, 'no Origin at all');
      assert.equal(t.server.context.history.size, 0, 'no prompt ran');
      await assert.rejects(WsProbe.connect(`${t.wsUrl}/ws`, headers), /403/);
      await assert.rejects(WsProbe.connect(`${t.wsUrl}/loom/ws`, { ...auth, host: evil }), /403/);
    });

    test('loopback names with any port, the bound address and --allowed-host values are accepted', async () => {
      for (const host of [
        `localhost:${port}`,
        'localhost',
        `127.0.0.1:${port}`,
        '127.0.0.1:1',
        `[::1]:${port}`,
        `LOCALHOST:${port}`,
        `loom.lan:${port}`,
        'loom.lan',
        'box.example:9000',
      ]) {
        assert.equal((await withHost(t.url, '/system_stats', { ...auth, host, origin: `http://${host}` })).status, 200, host);
      }
      assert.equal((await withHost(t.url, '/system_stats', { ...auth, host: 'box.example:9001' })).status, 403, 'a listed port is the only port');
      assert.equal((await withHost(t.url, '/system_stats', { ...auth, host: 'loom.lan.attacker.example' })).status, 403);
      const socket = await WsProbe.connect(`${t.wsUrl}/ws?clientId=h`, { ...auth, host: `loom.lan:${port}` });
      socket.close();
    });
  });
}

describe('absolute paths in error bodies', () => {
  test("the server's folders become their names, other absolute paths their file names; routes and URLs stay", () => {
    const redactor = new PathRedactor([
      { dir: '/tmp/loom/models', name: 'models' },
      { dir: '/tmp/loom/models/out', name: 'output' },
    ]);
    assert.equal(
      redactor.text('LoRA file /tmp/loom/models/loras/a b.safetensors does not exist. Put LoRAs in /tmp/loom/models/loras.'),
      'LoRA file models/loras/a b.safetensors does not exist. Put LoRAs in models/loras.',
    );
    assert.equal(redactor.text('Saved to /tmp/loom/models/out/x.png'), 'Saved to output/x.png');
    assert.equal(redactor.text('Cannot read "/tmp/cache/ab/c.onnx": EACCES'), 'Cannot read "…/c.onnx": EACCES');
    assert.equal(
      redactor.text('No route for GET /loom/api/nope; see http://127.0.0.1:8188/loom/api/schema'),
      'No route for GET /loom/api/nope; see http://127.0.0.1:8188/loom/api/schema',
    );
    assert.equal(redactor.text('C:\\Users\\ana\\loras\\x.safetensors is missing'), '…\\x.safetensors is missing');
    assert.deepEqual(redactor.deep({ a: ['/tmp/loom/models/v.onnx', 3], b: { c: '/tmp/loom/modelsX' } }), { a: ['models/v.onnx', 3], b: { c: '…/modelsX' } });
  });

  test("a validation error naming a model file reaches the client without the server's folders", async () => {
    const dirs = makeDirs();
    const base = stubHost(dirs);
    // A loader whose check names the file it looked for, as the real loaders do.
    const LoadFile = defineNode({
      type: 'LoadFile',
      category: 'test',
      description: 'Needs a file in models/loras.',
      inputs: {},
      params: {
        name: param(
          z.string().refine((n) => existsSync(join(dirs.models, 'loras', n)), {
            error: (issue) => `${join(dirs.models, 'loras', String(issue.input))} does not exist (cache: ${join(dirs.root, 'cache', 'x.bin')})`,
          }),
          'File',
        ),
      },
      outputs: {},
      output: true,
      run: () => ({}),
    });
    base.registry.add(LoadFile);
    const FailWithPath = defineNode({
      type: 'FailWithPath',
      category: 'test',
      description: 'Warns and fails naming a file in the models folder, as a loader does at run time.',
      inputs: {},
      params: {},
      outputs: {},
      output: true,
      run: (_inputs, _params, ctx) => {
        ctx.log.warn(`using ${join(dirs.models, 'loras', 'partial.safetensors')}`);
        throw new LoomError('MODEL_NOT_FOUND', `LoRA file ${join(dirs.models, 'loras', 'x.safetensors')} does not exist.`);
      },
    });
    base.registry.add(FailWithPath);
    const t = await startTestServer({ host: base }, dirs);
    try {
      const res = await api(t.url, '/prompt', { json: { prompt: { '1': { class_type: 'LoadFile', inputs: { name: 'missing.safetensors' } } } } });
      assert.equal(res.status, 400);
      assert.ok(!res.text.includes(dirs.root), res.text);
      assert.match(res.text, /models\/loras\/missing\.safetensors does not exist/);
      assert.match(res.text, /…\/x\.bin/);
      const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=paths`);
      const run = await api(t.url, '/prompt', { json: { prompt: { '1': { class_type: 'FailWithPath', inputs: {} } }, client_id: 'paths' } });
      const promptId = (run.body as { prompt_id: string }).prompt_id;
      await ws.waitForEnd(promptId);
      ws.close();
      const history = await api(t.url, `/history/${promptId}`);
      assert.match(history.text, /LoRA file models\/loras\/x\.safetensors does not exist/);
      for (const text of [history.text, JSON.stringify(ws.messages)]) assert.ok(!text.includes(dirs.root), text);
      assert.match(JSON.stringify(ws.messages), /models\/loras\/x\.safetensors/);
    } finally {
      await t.close();
    }
  });
});
