/**
 * The bins' bundle (scripts/bundle-bins.mjs): bin/launch.js takes a bundled entry point only while the
 * manifest's recorded build-info mtimes match the files beside it, so a later `tsc -b` that rebuilt
 * dist/ without re-bundling falls back to dist/ instead of running stale code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error launch.js is plain JavaScript without declarations (the bins load it directly)
import { bundled } from '../packages/server/bin/launch.js';

const pick = bundled as (path: string, bin: URL) => URL | undefined;

/** A package folder with bin/, a build info and a bundle manifest recording `recorded` as its mtime. */
function scratchPackage(recorded: (actual: number) => number): { bin: URL; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'loom-bundle-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'dist/bundle/cli'), { recursive: true });
  const info = join(root, 'dist/tsconfig.tsbuildinfo');
  writeFileSync(info, '{}');
  utimesSync(info, new Date(1_700_000_000_000), new Date(1_700_000_000_000));
  const manifest = { entries: ['cli/run-graph'], builds: { '../tsconfig.tsbuildinfo': recorded(statSync(info).mtimeMs) } };
  writeFileSync(join(root, 'dist/bundle/manifest.json'), JSON.stringify(manifest));
  return { bin: pathToFileURL(join(root, 'bin/')), remove: () => rmSync(root, { recursive: true, force: true }) };
}

test('a bundle made from the current build serves its entry points, and only those', () => {
  const dir = scratchPackage((mtime) => mtime);
  try {
    assert.equal(pick('cli/run-graph', dir.bin)?.href, new URL('../dist/bundle/cli/run-graph.js', dir.bin).href);
    assert.equal(pick('start/start-server', dir.bin), undefined);
  } finally {
    dir.remove();
  }
});

test('a bundle older than the build (dist/ rebuilt since) is not used', () => {
  const dir = scratchPackage((mtime) => mtime - 1000);
  try {
    assert.equal(pick('cli/run-graph', dir.bin), undefined);
  } finally {
    dir.remove();
  }
});

test('no bundle at all: dist/ serves', () => {
  const root = mkdtempSync(join(tmpdir(), 'loom-bundle-'));
  try {
    assert.equal(pick('cli/run-graph', pathToFileURL(join(root, 'bin/'))), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
