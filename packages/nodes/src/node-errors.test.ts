/**
 * Failures inside the node pack carry LoomError codes (BAD_FILE, MODEL_NOT_FOUND, UNSUPPORTED_MODEL,
 * PARAM_INVALID), so hosts map them to HTTP statuses and exit codes without parsing messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoomError, type LoomErrorCode } from '@loom/engine';
import { OnnxModel } from './runtime/onnx-model/onnx-model.ts';
import { readTokenizerDir } from './sd/tokenizer/tokenizer-files.ts';
import { parsePromptAttention } from './sd/prompt/parse-attention.ts';
import { createScheduler } from './sd/schedulers/create-scheduler.ts';

const dir = mkdtempSync(join(tmpdir(), 'loom-node-errors-'));
const coded =
  (code: LoomErrorCode, pattern: RegExp) =>
  (err: unknown): boolean =>
    err instanceof LoomError && err.code === code && pattern.test(err.message);

test('model files: missing is MODEL_NOT_FOUND, unreadable content is BAD_FILE', async () => {
  await assert.rejects(OnnxModel.load(join(dir, 'absent.onnx')), coded('MODEL_NOT_FOUND', /cannot read ONNX model .*absent\.onnx/));
  writeFileSync(join(dir, 'junk.onnx'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
  await assert.rejects(OnnxModel.load(join(dir, 'junk.onnx')), coded('BAD_FILE', /junk\.onnx is not a valid ONNX model/));
  await assert.rejects(readTokenizerDir(join(dir, 'no-tokenizer')), coded('MODEL_NOT_FOUND', /vocab\.json/));
  writeFileSync(join(dir, 'vocab.json'), '{"a": "one"}');
  writeFileSync(join(dir, 'merges.txt'), '#version: 0.2\n');
  await assert.rejects(readTokenizerDir(dir), coded('BAD_FILE', /vocab\.json must map each token to a whole number/));
});

test('bad settings are PARAM_INVALID: an emphasis weight, LCM steps beyond its schedule', () => {
  assert.throws(() => parsePromptAttention('a (girl:1.2.3)'), coded('PARAM_INVALID', /invalid emphasis weight "1\.2\.3"/));
  const lcm = createScheduler('lcm', {});
  assert.throws(
    () => lcm.setTimesteps(60),
    (err: unknown) => coded('PARAM_INVALID', /use at most 50 steps/)(err) && (err as LoomError).input === 'steps',
  );
});
