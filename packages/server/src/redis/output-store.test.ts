import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { placeFile } from './output-store.ts';

test('placeFile keeps a free name, reuses identical bytes, and suffixes a name taken by other bytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-place-'));
  try {
    assert.equal(await placeFile(dir, 'loom_00001_.png', Buffer.from('one')), 'loom_00001_.png');
    assert.equal(await placeFile(dir, 'loom_00001_.png', Buffer.from('one')), 'loom_00001_.png', 'same bytes: same file');
    assert.equal(await placeFile(dir, 'loom_00001_.png', Buffer.from('two')), 'loom_00001_-1.png');
    assert.equal(await placeFile(dir, 'loom_00001_.png', Buffer.from('three')), 'loom_00001_-2.png');
    assert.equal(await placeFile(dir, 'loom_00001_.png', Buffer.from('two')), 'loom_00001_-1.png');
    assert.deepEqual(readdirSync(dir).sort(), ['loom_00001_-1.png', 'loom_00001_-2.png', 'loom_00001_.png']);
    assert.equal(readFileSync(join(dir, 'loom_00001_-2.png'), 'utf8'), 'three');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
