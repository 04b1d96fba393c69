import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent } from '@loom/engine';
import { decodeEnd, decodeEvent, encodeEnd, encodeEvent, uiFiles } from './wire.ts';

test('events travel as JSON with preview bytes intact', () => {
  const data = new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2, 254, 255]);
  const event: EngineEvent = { type: 'node.progress', runId: 'p', nodeId: '2', value: 3, max: 20, preview: { mime: 'image/jpeg', data } };
  const files = [{ key: 'loom:file:j:1:0', type: 'output' as const, subfolder: 'sub', filename: 'a.png' }];
  const back = decodeEvent(encodeEvent(event, files));
  assert.deepEqual(back.files, files);
  assert.equal(back.event.type, 'node.progress');
  assert.ok(back.event.type === 'node.progress' && back.event.preview);
  assert.deepEqual([...back.event.preview.data], [...data]);
  assert.deepEqual({ ...back.event, preview: undefined }, { ...event, preview: undefined });
});

test('an ending carries its terminal event and error', () => {
  const error = { code: 'CANCELLED' as const, message: 'The run was cancelled.' };
  const back = decodeEnd(encodeEnd({ outcome: 'interrupted', event: { type: 'run.cancelled', runId: 'p', nodeId: '2' }, error }));
  assert.deepEqual(back, { outcome: 'interrupted', event: { type: 'run.cancelled', runId: 'p', nodeId: '2' }, error });
});

test('malformed records are rejected, not trusted', () => {
  assert.throws(() => decodeEvent('{"event": {"type": 1}, "files": []}'));
  assert.throws(() => decodeEnd('{"outcome": "maybe", "event": {"type": "run.finished", "runId": "p"}}'));
});

test('uiFiles finds the output and temp files a ui names, ComfyUI-style', () => {
  const ui = {
    images: [
      { filename: 'a.png', subfolder: '', type: 'output' },
      { filename: 'b.png', subfolder: 'x', type: 'temp' },
      { filename: 'c.png', subfolder: '', type: 'input' },
    ],
    text: ['hello'],
  };
  assert.deepEqual(uiFiles(ui), [
    { key: 'images', index: 0, filename: 'a.png', subfolder: '', type: 'output' },
    { key: 'images', index: 1, filename: 'b.png', subfolder: 'x', type: 'temp' },
  ]);
});
