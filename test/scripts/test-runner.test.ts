/**
 * scripts/test.mjs's skip summary: every skipped suite and test is listed with its reason (Node's own
 * summary counts skipped tests only and never says why). Runs node:test on a scratch file with the
 * skip reporter, as scripts/test.mjs does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without type declarations
import { skippedSummary } from '../../scripts/skip-reporter.mjs';

const reporter = fileURLToPath(new URL('../../scripts/skip-reporter.mjs', import.meta.url));

test('skipped suites and tests are counted and listed with their reasons', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-skips-'));
  try {
    const file = join(dir, 'sample.test.mjs');
    writeFileSync(
      file,
      [
        "import { describe, test } from 'node:test';",
        "describe('needs redis', { skip: 'redis-server is not installed' }, () => { test('inner', () => {}); });",
        "test('static skip', { skip: 'no chromium' }, () => {});",
        "test('runtime skip', (t) => { t.skip('model missing'); });",
        "test('runs', () => {});",
        "describe('group', () => { test('bare skip', { skip: true }, () => {}); });",
      ].join('\n'),
    );
    const log = join(dir, 'skipped.jsonl');
    // Without NODE_TEST_CONTEXT the child is a runner of its own, not a subtest reporting to this one.
    const env = { ...process.env, NODE_TEST_CONTEXT: undefined };
    const run = spawnSync(process.execPath, ['--test', `--test-reporter=${reporter}`, `--test-reporter-destination=${log}`, file], { encoding: 'utf8', env });
    assert.equal(run.status, 0, run.stderr);
    const lines = skippedSummary(readFileSync(log, 'utf8'), dir).split('\n');
    assert.equal(lines[0], 'Skipped: 1 suite(s), 3 test(s):');
    assert.deepEqual(lines.slice(1), [
      '  suite sample.test.mjs › needs redis — redis-server is not installed',
      '  test  sample.test.mjs › static skip — no chromium',
      '  test  sample.test.mjs › runtime skip — model missing',
      '  test  sample.test.mjs › bare skip — (no reason given)',
    ]);
    assert.equal(skippedSummary('', dir), 'Skipped: 0 suite(s), 0 test(s)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
