/**
 * Safe by default: a non-loopback bind needs a token; with a token every HTTP request and WebSocket
 * upgrade must present it; cross-origin requests are refused; oversized and malformed bodies get JSON
 * errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from '../../packages/server/src/create-server.ts';
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

  test('oversized bodies → 413 JSON; malformed JSON → 400 with the parser\'s position', async () => {
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
