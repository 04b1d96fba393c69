import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createTransferProgress, formatBytes } from './transfer-progress.ts';

function capture(): { stream: Writable & { columns: number }; text: () => string } {
  let text = '';
  const stream = Object.assign(new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString()), done()) }), { columns: 200 });
  return { stream, text: () => text };
}

test('speed and ETA come from bytes received, not bytes resumed from a .part file', () => {
  let clock = 0;
  const out = capture();
  const bar = createTransferProgress(out.stream, true, 10_000_000, () => clock);
  bar.fileStarted('unet/model.safetensors', 10_000_000);
  bar.bytes(4_000_000, true); // resumed: done, but no speed
  for (let second = 1; second <= 2; second++) {
    clock = second * 1000;
    bar.bytes(1_000_000, false);
  }
  // 6 MB done of 10; 2 MB arrived over 2 s → 1 MB/s, 4 MB left → 4 s.
  const last = out.text().split('\r\x1b[2K').at(-1) ?? '';
  assert.match(last, / 60% 6\.0 MB\/10\.0 MB 1\.0 MB\/s ETA 4s unet\/model\.safetensors$/);
});

test('no ETA before a second of data; plain lines when not on a TTY', () => {
  const tty = capture();
  const bar = createTransferProgress(tty.stream, true, 1000, () => 0);
  bar.fileStarted('a', 1000);
  bar.bytes(500, false);
  assert.doesNotMatch(tty.text(), /ETA/);
  const plain = capture();
  const lines = createTransferProgress(plain.stream, false, 1000, () => 0);
  lines.fileStarted('a.safetensors', 1000);
  lines.bytes(1000, false);
  lines.fileDone('a.safetensors', 'got 1.0 KB');
  assert.equal(plain.text(), 'fetching a.safetensors (1.0 KB)\ngot 1.0 KB a.safetensors\n');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1_234_567_890), '1.2 GB');
});
