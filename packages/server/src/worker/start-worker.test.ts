import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, type WorkerEnvironment } from './start-worker.ts';

function env(): WorkerEnvironment & { lines: string[] } {
  const lines: string[] = [];
  return { hostModule: 'file:///nowhere.ts', hostExport: 'createHost', out: (l) => lines.push(l), err: (l) => lines.push(l), lines };
}

test('loom-worker refuses bad flags with the reason and the usage, exit code 2', async () => {
  const saved = process.env.LOOM_REDIS;
  delete process.env.LOOM_REDIS;
  try {
    const e = env();
    assert.equal(await startWorker(['--device', 'tpu', '--cfg-batch', 'both', '--lock-ms', '10', '--dead-after-ms', '200', '--name', 'a b'], e), null);
    assert.equal(process.exitCode, 2);
    const text = e.lines.join('\n');
    assert.match(text, /--redis URL is required/);
    assert.match(text, /--lock-ms must be a whole number ≥ 500 \(got "10"\)/);
    assert.match(text, /--dead-after-ms must be a whole number ≥ 1000 \(got "200"\)/);
    assert.match(text, /--device must be one of .*\(got "tpu"\)/);
    assert.match(text, /--cfg-batch must be one of joint, split \(got "both"\)/);
    assert.match(text, /--name must be 1-64 letters/);
    assert.match(text, /Usage: loom-worker --redis URL/);
  } finally {
    process.exitCode = 0;
    if (saved !== undefined) process.env.LOOM_REDIS = saved;
  }
});

test('loom-worker --help prints the usage and starts nothing', async () => {
  const e = env();
  assert.equal(await startWorker(['--help'], e), null);
  assert.match(e.lines.join('\n'), /--stalled-ms N/);
});
