/**
 * /view and /upload/image stay inside their folders: `..`, percent-encoded `..`, absolute paths, NUL
 * bytes and symlinks pointing out are refused (ComfyUI server.py `/view`: 400 for `..`/leading `/`, 403 when the
 * subfolder escapes, 404 when missing). Uploads must be real images within the size limit.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from './helpers/test-server.ts';
import { tinyPng } from './helpers/test-nodes.ts';

let t: TestServer;
let secretDir: string;
before(async () => {
  t = await startTestServer({ maxUploadBytes: 64 * 1024 });
  secretDir = join(t.dirs.root, 'secret');
  mkdirSync(secretDir);
  writeFileSync(join(secretDir, 'passwords.txt'), 'top secret');
  writeFileSync(join(t.dirs.output, 'ok.png'), tinyPng(2, 2));
  mkdirSync(join(t.dirs.output, 'sub'));
  writeFileSync(join(t.dirs.output, 'sub', 'inner.png'), tinyPng(3, 3));
  symlinkSync(join(secretDir, 'passwords.txt'), join(t.dirs.output, 'link.txt'));
  symlinkSync(secretDir, join(t.dirs.output, 'linkdir'));
  symlinkSync(join(t.dirs.output, 'ok.png'), join(t.dirs.output, 'inside-link.png'));
});
after(() => t.close());

const view = (query: string) => api(t.url, `/view?${query}`);

describe('/view', () => {
  test('serves files in the output folder and subfolders, with Content-Disposition', async () => {
    const res = await fetch(`${t.url}/view?filename=ok.png&type=output&subfolder=`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.match(res.headers.get('content-disposition') ?? '', /filename="ok\.png"/);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), tinyPng(2, 2));
    assert.equal((await view('filename=inner.png&subfolder=sub')).status, 200);
    assert.equal((await view('filename=inside-link.png')).status, 200, 'a symlink that stays inside is fine');
  });

  test('traversal in the filename, encoded or not, and absolute paths → 400', async () => {
    for (const query of [
      'filename=../secret/passwords.txt',
      'filename=%2e%2e%2fsecret%2fpasswords.txt',
      'filename=%2E%2E/%2E%2E/etc/passwd',
      'filename=/etc/passwd',
      'filename=%2Fetc%2Fpasswd',
      'filename=..%5Csecret%5Cpasswords.txt',
      'filename=ok.png%00.txt',
    ]) {
      const res = await view(query);
      assert.equal(res.status, 400, query);
      assert.equal((res.body as { error: { type: string } }).error.type, 'invalid_path', query);
    }
  });

  test('subfolders that escape → 400/403; symlinks pointing out → 403; missing → 404; bad type → 400', async () => {
    assert.equal((await view('filename=passwords.txt&subfolder=..%2Fsecret')).status, 400);
    assert.equal((await view('filename=passwords.txt&subfolder=%2Ftmp')).status, 400);
    assert.equal((await view('filename=passwords.txt&subfolder=sub%2F..%2F..%2Fsecret')).status, 400);
    assert.equal((await view('filename=link.txt')).status, 403);
    assert.equal((await view('filename=passwords.txt&subfolder=linkdir')).status, 403);
    assert.equal((await view('filename=nope.png')).status, 404);
    assert.equal((await view('filename=ok.png&type=secret')).status, 400);
    assert.equal((await view('subfolder=sub')).status, 400, 'filename is required');
    assert.equal((await view('filename=a&filename=b')).status, 400, 'repeated parameters are not a string');
    assert.equal((await api(t.url, '/api/view?filename=sub')).status, 404, 'a folder is not a file');
  });
});

async function upload(fields: Record<string, string>, file?: { name: string; data: Buffer; field?: string }) {
  const form = new FormData();
  if (file) form.append(file.field ?? 'image', new Blob([file.data]), file.name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return api(t.url, '/upload/image', { method: 'POST', body: form });
}

describe('/upload/image', () => {
  test('stores a PNG in input, auto-renames a different file, reuses the name for identical bytes', async () => {
    const first = await upload({}, { name: 'cat.png', data: tinyPng(5, 5) });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { name: 'cat.png', subfolder: '', type: 'input' });
    assert.deepEqual(readFileSync(join(t.dirs.input, 'cat.png')), tinyPng(5, 5));
    const same = await upload({}, { name: 'cat.png', data: tinyPng(5, 5) });
    assert.deepEqual(same.body, { name: 'cat.png', subfolder: '', type: 'input' });
    const different = await upload({}, { name: 'cat.png', data: tinyPng(6, 6) });
    assert.deepEqual(different.body, { name: 'cat (1).png', subfolder: '', type: 'input' });
    const overwrite = await upload({ overwrite: 'true' }, { name: 'cat.png', data: tinyPng(7, 7) });
    assert.deepEqual(overwrite.body, { name: 'cat.png', subfolder: '', type: 'input' });
    assert.deepEqual(readFileSync(join(t.dirs.input, 'cat.png')), tinyPng(7, 7));
    const nested = await upload({ subfolder: 'masks', type: 'input' }, { name: 'm.png', data: tinyPng(2, 2) });
    assert.deepEqual(nested.body, { name: 'm.png', subfolder: 'masks', type: 'input' });
    assert.ok(
      readdirSync(t.dirs.input).every((name) => !name.endsWith('.tmp')),
      'no temporary files left',
    );
    // Uploaded files appear in input-folder combos, flagged for upload widgets (like LoadImage's).
    const info = (await api(t.url, '/object_info/PickInput')).body as { PickInput: { input: { required: { image: [string[], { image_upload: boolean }] } } } };
    assert.deepEqual(info.PickInput.input.required.image[0], ['cat (1).png', 'cat.png', 'masks/m.png']);
    assert.equal(info.PickInput.input.required.image[1].image_upload, true);
  });

  test('JPEG, WebP and GIF headers are accepted; other bytes are refused with 415', async () => {
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08,
      0x00, 0x02, 0x00, 0x03, 0x03, 0x01, 0x22, 0x00,
    ]);
    assert.equal((await upload({}, { name: 'a.jpg', data: jpeg })).status, 200);
    const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([2, 0, 2, 0, 0, 0, 0])]);
    assert.equal((await upload({}, { name: 'a.gif', data: gif })).status, 200);
    const webp = Buffer.alloc(30);
    webp.write('RIFF', 0, 'latin1');
    webp.writeUInt32LE(22, 4);
    webp.write('WEBPVP8X', 8, 'latin1');
    webp.writeUIntLE(9, 24, 3);
    webp.writeUIntLE(4, 27, 3);
    assert.equal((await upload({}, { name: 'a.webp', data: webp })).status, 200);
    for (const data of [
      Buffer.from('#!/bin/sh\nrm -rf /\n'),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      tinyPng(2, 2).subarray(0, 10),
      Buffer.alloc(0),
    ]) {
      const res = await upload({}, { name: 'x.png', data });
      assert.equal(res.status, 415, data.toString('latin1', 0, 8));
      assert.equal((res.body as { error: { type: string } }).error.type, 'invalid_image');
    }
  });

  test('size limit → 413; traversal in name or subfolder, bad type, missing file → 4xx; nothing escapes', async () => {
    const big = Buffer.concat([tinyPng(2, 2), Buffer.alloc(70 * 1024)]);
    assert.equal((await upload({}, { name: 'big.png', data: big })).status, 413);
    assert.equal((await upload({ subfolder: '../secret' }, { name: 'x.png', data: tinyPng(2, 2) })).status, 400);
    assert.equal((await upload({ subfolder: '/tmp' }, { name: 'x.png', data: tinyPng(2, 2) })).status, 400);
    // busboy keeps only the base name of a client's file name (preservePath false), so this lands in input/.
    const stripped = await upload({}, { name: '../../secret/x.png', data: tinyPng(2, 2) });
    assert.deepEqual(stripped.body, { name: 'x.png', subfolder: '', type: 'input' });
    assert.equal((await upload({}, { name: '.hidden.png', data: tinyPng(2, 2) })).status, 400);
    assert.equal((await upload({ type: 'models' }, { name: 'x.png', data: tinyPng(2, 2) })).status, 400);
    assert.equal((await upload({ type: 'output' }, { name: 'x.png', data: tinyPng(2, 2), field: 'file' })).status, 400);
    assert.equal((await upload({})).status, 400);
    const notMultipart = await api(t.url, '/upload/image', { json: { image: 'x' } });
    assert.equal(notMultipart.status, 400);
    symlinkSync(secretDir, join(t.dirs.input, 'escape'));
    assert.equal((await upload({ subfolder: 'escape' }, { name: 'x.png', data: tinyPng(2, 2) })).status, 403);
    assert.deepEqual(readdirSync(secretDir), ['passwords.txt'], 'nothing was written outside');
  });
});
