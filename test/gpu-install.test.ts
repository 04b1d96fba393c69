/**
 * `npm run gpu:install-cuda` (scripts/install-cuda.mjs) runs onnxruntime-node's own installer for the
 * CUDA provider. Without network it must fail clearly and change nothing. The test routes the
 * installer's HTTPS through a proxy address on 127.0.0.1 whose port was just closed (the installer
 * honours GLOBAL_AGENT_HTTPS_PROXY), so it fails the same way on every machine and touches no network.
 * A successful download cannot be tested here: it needs api.nuget.org.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ortDir = dirname(createRequire(join(root, 'packages/nodes/package.json')).resolve('onnxruntime-node/package.json'));
const binDir = join(ortDir, 'bin', 'napi-v6', process.platform, process.arch);
const listing = (): string[] => (existsSync(binDir) ? readdirSync(binDir).sort() : []);
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test(
  'without network: exit 1, the reason and the fix on stderr, the provider folder unchanged',
  { skip: !linuxX64 && 'onnxruntime-node downloads CUDA binaries on linux/x64 only' },
  async () => {
    const before = listing();
    const port = await closedPort();
    const run = spawnSync('npm', ['run', '-s', 'gpu:install-cuda'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, GLOBAL_AGENT_HTTPS_PROXY: `http://127.0.0.1:${port}` },
    });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /NVIDIA driver: .*; CUDA toolkit: /);
    assert.match(run.stdout, /Downloading the CUDA 12 provider of onnxruntime-node \d+\.\d+\.\d+ from api\.nuget\.org/);
    assert.equal(
      run.stderr.trim(),
      `CUDA provider not installed: the download failed (connect ECONNREFUSED 127.0.0.1:${port}). It needs HTTPS access to api.nuget.org ` +
        '(behind a proxy, set GLOBAL_AGENT_HTTPS_PROXY=http://proxy:port). Nothing was changed; run it again when online.',
    );
    assert.deepEqual(listing(), before);
  },
);
