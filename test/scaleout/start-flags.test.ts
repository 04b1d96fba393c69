/** `npm start -- --redis URL` with nothing listening there fails at once with the reason. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../packages/server/src/start/start-server.ts';
import { freePort } from './helpers/redis-process.ts';
import { stubHost } from './helpers/stub-host.ts';

test('--redis pointing at a closed port: a clear error and exit code 2, no server', async () => {
  const port = await freePort();
  const lines: string[] = [];
  try {
    const server = await startServer(['--port', '0', '--redis', `redis://127.0.0.1:${port}`], {
      createHost: stubHost,
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    assert.equal(server, null);
    assert.equal(process.exitCode, 2);
    assert.match(lines.join('\n'), new RegExp(`Cannot use Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  } finally {
    process.exitCode = 0;
  }
});

test('--affinity takes cost or off only', async () => {
  const lines: string[] = [];
  try {
    const server = await startServer(['--port', '0', '--redis', 'redis://127.0.0.1:1', '--affinity', 'sometimes'], {
      createHost: stubHost,
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    assert.equal(server, null);
    assert.equal(process.exitCode, 2);
    assert.match(lines.join('\n'), /--affinity must be cost or off \(got "sometimes"\)/);
  } finally {
    process.exitCode = 0;
  }
});
