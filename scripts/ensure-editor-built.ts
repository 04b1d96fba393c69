/**
 * Builds the editor with Vite when `packages/editor/dist` is missing or older than any of its sources,
 * so `npm start` and the end-to-end tests always serve the code in the tree.
 * Run directly (`npm start` does, as its prestart step) it builds if needed and says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../', import.meta.url));
export const EDITOR_DIR = join(REPO, 'packages/editor');
const BUILT = join(EDITOR_DIR, 'dist/index.html');

function newest(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Rebuilds if needed; returns how long it took (0 when the build was fresh). */
export function ensureEditorBuilt(): number {
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(EDITOR_DIR, p));
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= Math.max(...sources.map(newest))) return 0;
  const started = Date.now();
  const vite = join(REPO, 'node_modules/vite/bin/vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: EDITOR_DIR, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return Date.now() - started;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ms = ensureEditorBuilt();
  if (ms > 0) console.log(`built the editor in ${(ms / 1000).toFixed(1)} s`);
}
