/**
 * Every command a user is told to run exists after `npm ci`: the root package depends on @loom/server,
 * whose `bin` entries npm links into node_modules/.bin from the lockfile's copy of them. Each is run the
 * way the README says (`npx --no-install <bin> --help`), through npm, as real processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const json = (path: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(path, new URL('..', import.meta.url)), 'utf8')) as Record<string, unknown>;
const BINS = ['loom', 'loom-compare', 'loom-server', 'loom-worker', 'run-graph'];

test('@loom/server declares every bin, and the lockfile (what npm ci links) lists the same ones', () => {
  const declared = json('packages/server/package.json').bin as Record<string, string>;
  assert.deepEqual(Object.keys(declared).sort(), BINS);
  const locked = (json('package-lock.json').packages as Record<string, { bin?: Record<string, string> }>)['packages/server'];
  assert.deepEqual(locked?.bin, Object.fromEntries(Object.entries(declared).sort(([a], [b]) => a.localeCompare(b))));
  assert.ok((json('package.json').dependencies as Record<string, string>)['@loom/server'], 'the root package depends on @loom/server');
});

for (const bin of BINS) {
  test(`npx --no-install ${bin} --help prints its usage and exits 0`, () => {
    const run = spawnSync('npx', ['--no-install', bin, '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, `${bin}: ${run.stderr}`);
    assert.match(run.stdout, new RegExp(`^Usage: ${bin} `));
  });
}

test('npx --no-install loom pull --help prints the pull usage and exits 0', () => {
  const run = spawnSync('npx', ['--no-install', 'loom', 'pull', '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^Usage: loom pull <owner\/name \| URL>/);
});
