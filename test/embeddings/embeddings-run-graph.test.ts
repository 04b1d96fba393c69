/**
 * Embeddings through run-graph (issue 16): multi-vector embeddings in the positive and (weighted) negative prompt
 * render, the PNG's A1111 parameters name them with their hashes (`TI hashes`), the same prompts without the files
 * render a different image, and a wrong-width embedding exits 1 naming the node, the file and the widths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPngText } from '@loom/nodes';
import { root } from '../pipeline/harness.ts';
import { embeddingModels } from './harness.ts';

const graph = join(root, 'test/embeddings/tiny-sd15-embeddings.json');

function runGraph(models: string, sets: string[] = []): Promise<{ code: number | null; stderr: string; pngs: Buffer[] }> {
  const out = mkdtempSync(join(tmpdir(), 'loom-ti-out-'));
  const args = [join(root, 'packages/server/bin/run-graph.js'), graph, ...sets.flatMap((s) => ['--set', s]), '--quiet'];
  const child = spawn(process.execPath, args, { cwd: out, env: { ...process.env, LOOM_MODELS: models } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const files = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.png'))
      .map((f) => join(dir, f));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, pngs: files(out).map((f) => readFileSync(f)) })));
}

test('run-graph: embeddings in both prompts render and the PNG names them with their hashes, as A1111 does', async () => {
  const models = embeddingModels();
  const run = await runGraph(models);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.pngs.length, 1);
  const parameters = readPngText(run.pngs[0]!).parameters!;
  // hashes: sha256 of the fixture files, first 12 hex digits (tools/tiny-sd/manifest.json)
  assert.match(parameters, /, TI hashes: "tinycat: 9b30ae359997, tinystyle: bc1a0c8af655"$/);
  assert.match(parameters, /^a tinycat cat on a mat\nNegative prompt: \(tinystyle:1\.2\), blurry\n/);

  rmSync(join(models, 'embeddings'), { recursive: true });
  const plain = await runGraph(models);
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(readPngText(plain.pngs[0]!).parameters!, /TI hashes/);
  assert.notDeepEqual(plain.pngs[0], run.pngs[0], 'without the files the words are plain text');
});

test('run-graph: a wrong-width embedding exits 1 naming the node, the file and both widths', async () => {
  const { code, stderr } = await runGraph(embeddingModels(), ['positive.text=a wide cat']);
  assert.equal(code, 1, stderr);
  assert.match(stderr, /Node "positive" \(TextEncoder\) failed/);
  assert.match(stderr, /wide\.safetensors holds 48-wide vectors for one text encoder .*, but text_encoder of .* takes 32-wide vectors/);
});
