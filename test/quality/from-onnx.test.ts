/**
 * tools/loom-tiny stage `from-onnx`: the committed models/loom-tiny, read back into the torch replicas,
 * re-export to bit-identical initializers (every one of the four models), and its tokenizer is the committed one. Needs Debian's python3-torch
 * and python3-onnx; skipped with a message without them, unless LOOM_REQUIRE_SYSTEM_DEPS=1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = '/usr/bin/python3';

function missing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, onnx'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const why = `${PYTHON} cannot import torch and onnx (apt-get install python3-torch python3-onnx)`;
  if (process.env.LOOM_REQUIRE_SYSTEM_DEPS === '1') throw new Error(`${why}; LOOM_REQUIRE_SYSTEM_DEPS=1 requires them.`);
  return why;
}

const skip = missing();

/** Runs Python lines with tools/loom-tiny's `from_onnx` imported; returns stdout (asserts a clean exit). */
function fromOnnx(...lines: string[]): string {
  const script = ['import json, sys', "sys.path[:0] = ['tools/tiny-sd', 'tools/loom-tiny']", 'from loom_tiny import from_onnx', ...lines].join('\n');
  const run = spawnSync(PYTHON, ['-c', script], { cwd: root, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

test('the committed ONNX loads back into the torch replicas and re-exports bit for bit', { skip }, () => {
  const stdout = fromOnnx('from_onnx.verify(*from_onnx.load())');
  for (const part of ['unet', 'text_encoder', 'vae_encoder', 'vae_decoder'])
    assert.match(stdout, new RegExp(`\\[from-onnx\\] ${part}: re-exported initializers identical`));
});

test('from-onnx gives the LoRA stages the committed tokenizer: its merges rebuild the committed vocab.json', { skip }, () => {
  const stdout = fromOnnx(
    'from loom_tiny_sd import bpe',
    "vocab = json.load(open('models/loom-tiny/tokenizer/vocab.json'))",
    'merges = [tuple(m) for m in from_onnx.committed_merges()]',
    'print(len(merges), bpe.build_vocab(merges) == vocab)',
  );
  assert.equal(stdout.trim(), '510 True');
});
