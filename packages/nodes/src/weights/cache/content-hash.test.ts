import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashMemo } from './content-hash.ts';

test('hashes stream to sha256, and the memo answers for an unchanged file without reading it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-hash-'));
  const file = join(dir, 'w.bin');
  const bytes = Buffer.alloc(9 << 20, 7); // over two 4 MB chunks
  writeFileSync(file, bytes);
  const then = new Date(1_700_000_000_000);
  utimesSync(file, then, then);
  const expected = createHash('sha256').update(bytes).digest('hex');
  const memoPath = join(dir, '.loom', 'hashes.json');
  const seen: number[] = [];
  const memo = await HashMemo.open(memoPath);
  assert.equal(await memo.hash(file, (done) => seen.push(done)), expected);
  assert.deepEqual(seen, [4 << 20, 8 << 20, 9 << 20]);
  await memo.save();

  // same size and mtime, different bytes: the memo wins (that is the point: no re-read)
  writeFileSync(file, Buffer.alloc(9 << 20, 8));
  utimesSync(file, then, then);
  const again = await HashMemo.open(memoPath);
  let reads = 0;
  assert.equal(await again.hash(file, () => reads++), expected);
  assert.equal(reads, 0);
  // a new mtime re-hashes
  utimesSync(file, new Date(Date.now() + 5000), new Date(Date.now() + 5000));
  assert.equal(
    await again.hash(file),
    createHash('sha256')
      .update(Buffer.alloc(9 << 20, 8))
      .digest('hex'),
  );
});

test('a damaged memo starts empty instead of failing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-hash-'));
  writeFileSync(join(dir, 'hashes.json'), '{"version":1,"files":');
  writeFileSync(join(dir, 'a'), 'abc');
  const memo = await HashMemo.open(join(dir, 'hashes.json'));
  assert.equal(await memo.hash(join(dir, 'a')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
