/**
 * Every command a user is told to run exists after `npm ci`: the root package depends on @loom/server,
 * whose `bin` entries npm links into node_modules/.bin from the lockfile's copy of them. Each is run the
 * way the README says (`npx --no-install <bin> --help`), through npm, as real processes, on the build
 * (`npm run build`, which `npm ci` runs; brought up to date here first, as a developer may have edited
 * the source since).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const json = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(path, new URL('..', import.meta.url)), 'utf8')) as Record<string, unknown>;
const BINS = ['loom', 'loom-compare', 'loom-server', 'loom-worker', 'run-graph'];

before(() => {
  const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/server'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}${build.stderr}`);
});

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

  test(`${bin} asks for the build through its shebang`, () => {
    const first = readFileSync(join(root, 'packages/server/bin', `${bin}.js`), 'utf8').split('\n')[0];
    assert.equal(first, '#!/usr/bin/env -S node --conditions=loom-dist');
  });
}

test('npx --no-install run-graph renders loom-tiny from the build', () => {
  const out = mkdtempSync(join(tmpdir(), 'loom-bins-'));
  try {
    const run = spawnSync('npx', ['--no-install', 'run-graph', 'graphs/loom-tiny-txt2img.json', '--set', 'sampler.steps=2', '--out', out], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(existsSync(join(out, 'loom-tiny_00001.png')), run.stdout);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a bin whose build is missing says to run npm run build, on one line, and exits 1', () => {
  // A copy of bin/ beside an empty package folder: its ../dist is not there, while @loom/* still
  // resolve (through a node_modules link to this checkout's).
  const scratch = mkdtempSync(join(tmpdir(), 'loom-unbuilt-'));
  try {
    cpSync(join(root, 'packages/server/bin'), join(scratch, 'server/bin'), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
    const run = spawnSync(join(scratch, 'server/bin/run-graph.js'), ['--help'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^Loom is not built \(packages\/\*\/dist is missing\): run `npm run build` in the Loom folder, then try again\.\n$/);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('npx --no-install loom pull --help prints the pull usage and exits 0', () => {
  const run = spawnSync('npx', ['--no-install', 'loom', 'pull', '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^Usage: loom pull <owner\/name \| URL>/);
});
