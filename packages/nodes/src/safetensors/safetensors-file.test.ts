import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile, withSafetensors } from './safetensors-file.ts';
import { LoomError } from '@loom/engine';

const dir = mkdtempSync(join(tmpdir(), 'loom-st-'));

/** Writes a safetensors file by hand: u64 LE size, JSON padded with `pad` spaces, data bytes. */
function write(name: string, header: object, data: Uint8Array, pad = 0, sizeOverride?: bigint): string {
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, sizeOverride ?? BigInt(json.length), true);
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([prefix, json, data]));
  return path;
}

const le32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);
const le16 = (bits: number[]): Uint8Array => new Uint8Array(new Uint16Array(bits).buffer);

test('reads F32 tensors and metadata', async () => {
  const data = new Uint8Array([...le32([1.5, -2, 0.25, 8]), ...le32([7])]);
  const path = write(
    'f32.safetensors',
    {
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
      b: { dtype: 'F32', shape: [], data_offsets: [16, 20] },
    },
    data,
  );
  await withSafetensors(path, async (f) => {
    assert.deepEqual(f.metadata, { format: 'pt' });
    assert.deepEqual(f.names(), ['a', 'b']);
    assert.deepEqual(f.info('a')?.shape, [2, 2]);
    assert.deepEqual([...(await f.readFloat32('a'))], [1.5, -2, 0.25, 8]);
    assert.deepEqual([...(await f.readFloat32('b'))], [7]); // 0-rank, like kohya's `.alpha`
  });
});

test('copes with a data section that is not 4-byte aligned', async () => {
  const header = { w: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } };
  const len = JSON.stringify(header).length;
  const pad = ((4 - ((8 + len) % 4)) % 4) + 1; // make 8 + N ≡ 1 (mod 4)
  const path = write('misaligned.safetensors', header, le32([3.5, -1, 1e-3]), pad);
  await withSafetensors(path, async (f) => {
    assert.equal(f.info('w')!.begin % 4, 1);
    assert.deepEqual([...(await f.readFloat32('w'))], [3.5, -1, Math.fround(1e-3)]);
  });
});

test('converts F16 and BF16 from known bit patterns', async () => {
  const data = new Uint8Array([...le16([0x3c00, 0xc000, 0x3555, 0x0001]), ...le16([0x3f80, 0x4049])]);
  const path = write(
    'half.safetensors',
    {
      h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
    },
    data,
    3,
  );
  await withSafetensors(path, async (f) => {
    assert.deepEqual([...(await f.readFloat32('h'))], [1, -2, 0.333251953125, 2 ** -24]);
    assert.deepEqual([...(await f.readFloat32('b'))], [1, 3.140625]);
  });
});

test('reads integer tensors in their own type', async () => {
  const path = write('ids.safetensors', { ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, new Uint8Array(new BigInt64Array([49406n, 7n]).buffer));
  await withSafetensors(path, async (f) => {
    const t = await f.read('ids');
    assert.deepEqual([...(t.data as BigInt64Array)], [49406n, 7n]);
    await assert.rejects(f.readFloat32('ids'), /expected a float type/);
  });
});

async function rejects(path: string, pattern: RegExp): Promise<void> {
  await assert.rejects(SafetensorsFile.open(path), (err: unknown) => {
    assert.ok(err instanceof LoomError && err.code === 'BAD_FILE', 'a LoomError with a code, for the node that read the file');
    assert.ok(err.message.includes(path), 'error names the file');
    assert.match(err.message, pattern);
    return true;
  });
}

test('rejects a truncated file', async () => {
  const header = { w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } };
  await rejects(write('trunc.safetensors', header, le32([1, 2])), /truncated/);
  await rejects(write('tiny.safetensors', {}, new Uint8Array(0), 0, 4000n), /truncated/);
});

test('rejects an absurd header size', async () => {
  await rejects(write('huge.safetensors', {}, new Uint8Array(0), 0, 2n ** 40n), /exceeds/);
});

test('rejects bad JSON', async () => {
  const path = join(dir, 'badjson.safetensors');
  const json = new TextEncoder().encode('{"w": {"dtype": "F32",');
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
  writeFileSync(path, Buffer.concat([prefix, json]));
  await rejects(path, /not valid UTF-8 JSON/);
});

test('rejects overlapping, out-of-range and inconsistent offsets', async () => {
  const data = le32([1, 2, 3, 4]);
  await rejects(
    write(
      'overlap.safetensors',
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      data,
    ),
    /overlap/,
  );
  await rejects(write('range.safetensors', { a: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }, data), /truncated/);
  await rejects(write('shape.safetensors', { a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, data), /needs 12/);
  await rejects(write('dtype.safetensors', { a: { dtype: 'Q4', shape: [4], data_offsets: [0, 16] } }, data), /unsupported dtype/);
});
