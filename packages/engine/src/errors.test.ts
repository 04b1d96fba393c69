import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoomError, toLoomError } from './errors.ts';

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
