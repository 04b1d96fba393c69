import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoalescingWriter, writeFileAtomic } from './atomic-write.ts';

test('writeFileAtomic replaces the file and leaves no temporary file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-atomic-'));
  try {
    const path = join(dir, 'queue.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    assert.equal(readFileSync(path, 'utf8'), 'two');
    assert.deepEqual(readdirSync(dir), ['queue.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CoalescingWriter: 100 rapid requests cost at most 2 snapshots, and the last state wins', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-atomic-'));
  try {
    let state = 0;
    let snapshots = 0;
    const writer = new CoalescingWriter(join(dir, 's.json'), () => {
      snapshots++;
      return String(state);
    });
    const writes: Promise<void>[] = [];
    for (let i = 1; i <= 100; i++) {
      state = i;
      writes.push(writer.write());
    }
    await Promise.all(writes);
    assert.ok(snapshots <= 2, `snapshots: ${snapshots}`);
    assert.equal(readFileSync(join(dir, 's.json'), 'utf8'), '100');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
