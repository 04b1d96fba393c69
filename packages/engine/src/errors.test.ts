import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoomError, atInput, toLoomError } from './errors.ts';

test('wrapping a native error removes terminal colour codes from its message', () => {
  // As onnxruntime-node words a failed kernel when its logger colours the line.
  const native = new Error('\x1b[1;31mNon-zero status code returned while running Concat node.\x1b[m Axis 3 has mismatched dimensions of 9 and 10\x1b[0m');
  const wrapped = toLoomError(native, 'NODE_FAILED', { nodeId: 'sampler' });
  assert.equal(wrapped.message, 'Non-zero status code returned while running Concat node. Axis 3 has mismatched dimensions of 9 and 10');
  assert.equal(wrapped.code, 'NODE_FAILED');
  assert.equal(wrapped.cause, native);
  const own = new LoomError('BAD_FILE', 'x');
  assert.equal(toLoomError(own, 'NODE_FAILED'), own, 'a LoomError keeps its code');
});

test('structured details survive toJSON, attribution to a node and to an input', async () => {
  const details = { models: ['gamma'], workers: [{ id: 'a', models: ['alpha'] }] };
  const err = new LoomError('MODEL_UNAVAILABLE', 'No worker has the pipeline "gamma".', { details });
  assert.deepEqual(err.toJSON(), { code: 'MODEL_UNAVAILABLE', message: 'No worker has the pipeline "gamma".', details });
  assert.equal(toLoomError(err, 'NODE_FAILED', { nodeId: '4' }).details, details);
  const atParam = await atInput('pipeline', () => Promise.reject(err)).catch((e: unknown) => e as LoomError);
  assert.equal(atParam.input, 'pipeline');
  assert.equal(atParam.details, details);
  assert.equal('details' in new LoomError('USAGE', 'x').toJSON(), false, 'no details key without details');
});
