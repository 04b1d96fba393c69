/**
 * ComfyUI's frontend plumbing with ComfyUI's shapes: /userdata (list, read, write raw bytes, overwrite,
 * move, delete, path safety), /users, /settings (persisted across a restart), /view_metadata, and JSON
 * 404 for every unknown path whatever the Accept header.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors } from '../../packages/nodes/src/safetensors/test-writer.ts';
import { api, startTestServer, type TestServer } from './helpers/test-server.ts';
import { createServer } from '../../packages/server/src/create-server.ts';
import { stubHost } from './helpers/test-server.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
  mkdirSync(join(t.dirs.models, 'loras'));
  writeSafetensors(
    join(t.dirs.models, 'loras', 'style.safetensors'),
    { w: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } },
    { ss_network_dim: '8', modelspec: 'x' },
  );
  writeSafetensors(join(t.dirs.models, 'loras', 'bare.safetensors'), { w: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } });
});
after(() => t.close());

const raw = (path: string, body: string, query = '') =>
  fetch(`${t.url}${path}${query}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('/userdata', () => {
  test('writes raw bytes, lists, reads back byte-exact, refuses to overwrite when asked, moves and deletes', async () => {
    // Not valid JSON on purpose: the body is a file, never parsed.
    const saved = await raw('/userdata/workflows%2Fa.json', '{"nodes": [], broken');
    assert.equal(saved.status, 200);
    assert.equal(await saved.json(), 'workflows/a.json');
    assert.equal((await raw('/api/userdata/workflows%2Fsub%2Fb.json', '{}')).status, 200);
    assert.deepEqual((await api(t.url, '/userdata?dir=workflows')).body, ['a.json']);
    assert.deepEqual((await api(t.url, '/userdata?dir=workflows&recurse=true')).body, ['a.json', 'sub/b.json']);
    assert.deepEqual((await api(t.url, '/userdata?dir=workflows&recurse=true&split=true')).body, [
      ['a.json', 'a.json'],
      ['sub/b.json', 'sub', 'b.json'],
    ]);
    const full = (await api(t.url, '/userdata?dir=workflows&full_info=true')).body as { path: string; size: number; modified: number }[];
    assert.deepEqual([full[0]?.path, full[0]?.size, typeof full[0]?.modified], ['a.json', 20, 'number']);
    assert.equal((await api(t.url, '/userdata/workflows%2Fa.json')).text, '{"nodes": [], broken');
    assert.equal((await raw('/userdata/workflows%2Fa.json', 'new', '?overwrite=false')).status, 409);
    const moved = await api(t.url, '/userdata/workflows%2Fa.json/move/workflows%2Fc.json', { method: 'POST' });
    assert.equal(moved.body, 'workflows/c.json');
    assert.equal((await api(t.url, '/userdata/workflows%2Fa.json')).status, 404);
    assert.equal((await api(t.url, '/userdata/workflows%2Fc.json', { method: 'DELETE' })).status, 204);
    assert.deepEqual((await api(t.url, '/userdata?dir=workflows')).body, []);
    assert.equal((await api(t.url, '/userdata?dir=nothing')).status, 404);
    assert.equal((await api(t.url, '/userdata')).status, 400);
  });

  test('paths stay inside the user folder: .., absolute paths and symlinks out are refused', async () => {
    assert.equal((await raw('/userdata/..%2F..%2Fescape.txt', 'x')).status, 400);
    assert.equal((await api(t.url, '/userdata/%2Fetc%2Fpasswd')).status, 400);
    const userDir = join(t.dirs.data, 'user', 'default');
    symlinkSync(t.dirs.root, join(userDir, 'out'));
    assert.equal((await raw('/userdata/out%2Fx.txt', 'x')).status, 403);
  });
});

test('/users and /settings have ComfyUI shapes and persist across a restart', async () => {
  assert.deepEqual((await api(t.url, '/users')).body, { storage: 'server', migrated: true });
  assert.equal((await api(t.url, '/settings', { json: { 'Comfy.Locale': 'de', 'Comfy.LinkRenderMode': 2 } })).status, 200);
  assert.equal((await api(t.url, '/api/settings/Comfy.ColorPalette', { json: 'dark' })).status, 200);
  assert.equal((await api(t.url, '/settings/Comfy.Locale')).body, 'de');
  assert.equal((await api(t.url, '/settings/Unset')).body, null);
  const again = await createServer({ host: stubHost(t.dirs), dataDir: t.dirs.data, templatesDir: t.dirs.graphs, log: () => {} });
  const { url } = await again.listen(0);
  try {
    assert.deepEqual((await api(url, '/settings')).body, { 'Comfy.Locale': 'de', 'Comfy.LinkRenderMode': 2, 'Comfy.ColorPalette': 'dark' });
  } finally {
    await again.close();
  }
});

test("/view_metadata returns a safetensors file's __metadata__, else JSON 404", async () => {
  assert.deepEqual((await api(t.url, '/view_metadata/loras?filename=style.safetensors')).body, { ss_network_dim: '8', modelspec: 'x' });
  assert.equal((await api(t.url, '/api/view_metadata/loras?filename=bare.safetensors')).status, 404);
  assert.equal((await api(t.url, '/view_metadata/loras?filename=missing.safetensors')).status, 404);
  assert.equal((await api(t.url, '/view_metadata/loras?filename=..%2F..%2Fx.safetensors')).status, 400);
});

test('the editor keeps / and its assets; unknown paths answer a JSON 404 whatever the Accept header', async () => {
  const editorDir = join(t.dirs.root, 'editor');
  mkdirSync(join(editorDir, 'assets'), { recursive: true });
  writeFileSync(join(editorDir, 'index.html'), '<!doctype html><title>Loom</title>');
  writeFileSync(join(editorDir, 'assets', 'app.js'), 'console.log(1)');
  const withEditor = await createServer({ host: stubHost(t.dirs), dataDir: join(t.dirs.root, 'data2'), templatesDir: t.dirs.graphs, editorDir, log: () => {} });
  const { url } = await withEditor.listen(0);
  try {
    assert.match(await (await fetch(`${url}/`, { headers: { accept: 'text/html' } })).text(), /<title>Loom/);
    assert.equal(await (await fetch(`${url}/assets/app.js`)).text(), 'console.log(1)');
    for (const path of ['/i18n', '/api/i18n', '/workflow_templates', '/internal/logs', '/nope/deeper', '/assets/missing.js']) {
      for (const accept of ['text/html', 'application/json', '*/*']) {
        const res = await fetch(`${url}${path}`, { headers: { accept } });
        assert.equal(res.status, 404, `${path} (${accept})`);
        assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      }
    }
  } finally {
    await withEditor.close();
  }
});
