import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoCandidates } from './device.ts';

test('auto never probes WebGPU (its Vulkan probe prints native warnings on machines without a GPU)', () => {
  assert.deepEqual(autoCandidates('linux'), ['cuda']);
  assert.deepEqual(autoCandidates('win32'), ['cuda', 'dml']);
  assert.deepEqual(autoCandidates('darwin'), ['coreml']);
});
