#!/usr/bin/env node
// Runs every *.test.ts with node's built-in test runner (Node 20 does not discover .ts files itself),
// then lists every skipped test and suite with its reason (Node's summary counts skipped tests only).
// Usage: node scripts/test.mjs [path-substring ...]  — filters test files by substring.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { skippedSummary } from './skip-reporter.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const roots = ['packages', 'test', 'tools', 'bench'];
const skipDirs = new Set(['node_modules', 'dist', '.git', 'out']);

function walk(dir, found) {
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, found);
    else if (name.endsWith('.test.ts')) found.push(relative(root, path));
  }
  return found;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((r) => {
    try {
      return walk(join(root, r), []);
    } catch {
      return [];
    }
  })
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched', filters);
  process.exit(1);
}
const scratch = mkdtempSync(join(tmpdir(), 'loom-test-'));
const skipLog = join(scratch, 'skipped.jsonl');
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts/skip-reporter.mjs')}`,
    `--test-reporter-destination=${skipLog}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
let log = '';
try {
  log = readFileSync(skipLog, 'utf8');
} catch {
  /* the runner died before writing it */
}
rmSync(scratch, { recursive: true, force: true });
console.log(`\n${skippedSummary(log, root)}`);
process.exit(result.status ?? 1);
