/**
 * CLIP skip end to end (issue 16): TextEncoder's clipSkip through run-graph on a checkpoint (Loom builds
 * its text encoder with every hidden state), and the clear refusal on an export without hidden states.
 * The numbers are checked against torch in test/builder/clip-skip.test.ts; the ComfyUI API path
 * (CLIPSetLastLayer) in test/server/clip-skip-prompt.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const models = mkdtempSync(join(tmpdir(), 'loom-clip-skip-models-'));
mkdirSync(join(models, 'checkpoints'));
for (const f of ['tiny-sd15.safetensors', 'tiny-sd15.yaml', 'tiny-sd15.tokenizer'])
  cpSync(join(root, 'test/fixtures/checkpoints', f), join(models, 'checkpoints', f), { recursive: true });
cpSync(join(root, 'models/tiny-sd15'), join(models, 'tiny-sd15'), { recursive: true });

const pngs = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? pngs(join(dir, n)) : n.endsWith('.png') ? [join(dir, n)] : []));

function runGraph(sets: string[]): Promise<{ code: number | null; stderr: string; images: Buffer[] }> {
  const out = mkdtempSync(join(tmpdir(), 'loom-clip-skip-out-'));
  const args = [
    join(root, 'packages/server/bin/run-graph.js'),
    join(root, 'graphs/loom-tiny-txt2img.json'),
    '--set',
    'sampler.steps=2',
    ...sets.flatMap((s) => ['--set', s]),
    '--quiet',
  ];
  const child = spawn(process.execPath, args, { cwd: out, env: { ...process.env, LOOM_MODELS: models } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, images: pngs(out).map((p) => readFileSync(p)) })));
}

test('run-graph: TextEncoder clipSkip=2 on a checkpoint renders, and differently from clipSkip=1', async () => {
  const last = await runGraph(['loader.pipeline=tiny-sd15.safetensors', 'positive.clipSkip=1']);
  assert.equal(last.code, 0, last.stderr);
  const skipped = await runGraph(['loader.pipeline=tiny-sd15.safetensors', 'positive.clipSkip=2']);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.equal(last.images.length, 1);
  assert.equal(skipped.images.length, 1);
  assert.notDeepEqual(skipped.images[0], last.images[0], 'the penultimate layer conditions differently');
});

test('run-graph: clipSkip=2 on an export without hidden states exits 1 naming the node, the file and the fix', async () => {
  const { code, stderr } = await runGraph(['loader.pipeline=tiny-sd15', 'positive.clipSkip=2']);
  assert.equal(code, 1, stderr);
  assert.match(stderr, /Node "positive" \(TextEncoder\) failed/);
  assert.match(stderr, /tiny-sd15\/text_encoder\/model\.onnx has no hidden_states\.N outputs; CLIP skip 2 needs them\. Load the model from a checkpoint/);
});

test('run-graph: clipSkip deeper than the encoder is refused with the valid range', async () => {
  const { code, stderr } = await runGraph(['loader.pipeline=tiny-sd15.safetensors', 'positive.clipSkip=3']);
  assert.equal(code, 1, stderr);
  assert.match(stderr, /CLIP skip 3 is deeper than .*text_encoder.*'s 2 layers; use 1 to 2/);
});
