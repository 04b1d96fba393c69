/** The `loom-server` command: flags, refusal of an open bind without a token, the URL it prints, the editor page. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeDirs } from './helpers/test-server.ts';

const bin = fileURLToPath(new URL('../../packages/server/bin/loom-server.js', import.meta.url));
const repo = fileURLToPath(new URL('../..', import.meta.url));

test('--help prints usage; bad flags and an open bind without a token exit with 2', () => {
  const help = spawnSync(process.execPath, [bin, '--help'], { cwd: repo, encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--token T/);
  assert.match(help.stdout, /--allowed-host NAME/);
  assert.match(help.stdout, /--cfg-batch B/);
  const bad = spawnSync(process.execPath, [bin, '--port', 'x', '--device', 'tpu', '--cfg-batch', 'both', '--allowed-host', 'not a host'], {
    cwd: repo,
    encoding: 'utf8',
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--port must be 0-65535/);
  assert.match(bad.stderr, /--device must be one of/);
  assert.match(bad.stderr, /--cfg-batch must be one of joint, split \(got "both"\)/);
  assert.match(bad.stderr, /--allowed-host must be a host name, address or host:port \(got "not a host"\)/);
  const dirs = makeDirs();
  const open = spawnSync(process.execPath, [bin, '--host', '0.0.0.0', '--port', '0', '--data', dirs.data], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, LOOM_TOKEN: '' },
  });
  rmSync(dirs.root, { recursive: true, force: true });
  assert.equal(open.status, 2);
  assert.match(open.stderr, /Refusing to listen on 0\.0\.0\.0 without a token/);
});

test('it prints its URL and serves the API and a page that says how to build the editor', { timeout: 60_000 }, async () => {
  const dirs = makeDirs();
  const child = spawn(process.execPath, [bin, '--port', '0', '--data', dirs.data, '--out', dirs.output, '--input', dirs.input, '--graphs', dirs.graphs], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const match = /Loom is running at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (match) resolve(match[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /npm run build -w @loom\/editor|<div id="root">|<script/);
    const stats = (await (await fetch(`${url}/system_stats`)).json()) as { system: { os: string } };
    assert.equal(typeof stats.system.os, 'string');
    const info = (await (await fetch(`${url}/object_info/KSampler`)).json()) as Record<string, unknown>;
    assert.ok('KSampler' in info, 'the SD node pack and its ComfyUI aliases are loaded');
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(dirs.root, { recursive: true, force: true });
  }
});
