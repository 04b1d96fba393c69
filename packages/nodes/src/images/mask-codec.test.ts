/** Masks from files as ComfyUI's LoadImage / LoadImageMask read them, hand-worked on 2×1 PNGs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { alphaMask, decodeMask } from './mask-codec.ts';

const png = (channels: 3 | 4, data: number[]) =>
  sharp(Buffer.from(data), { raw: { width: 2, height: 1, channels } })
    .png()
    .toBuffer();
const f = (v: number) => Math.fround(v);

test('LoadImageMask: a colour channel / 255; alpha inverted; no alpha reads as opaque (zeros)', async () => {
  const rgba = await png(4, [255, 0, 51, 255, 0, 102, 0, 0]);
  assert.deepEqual([...(await decodeMask(rgba, 'x.png', 'red')).values], [1, 0]);
  assert.deepEqual([...(await decodeMask(rgba, 'x.png', 'blue')).values], [f(51 / 255), 0]);
  assert.deepEqual([...(await decodeMask(rgba, 'x.png', 'alpha')).values], [0, 1]);
  const rgb = await png(3, [10, 20, 30, 40, 50, 60]);
  const alpha = await decodeMask(rgb, 'y.png', 'alpha');
  assert.deepEqual([...alpha.values], [0, 0]);
  assert.deepEqual(alpha.shape, [1, 1, 2]);
  assert.deepEqual([...(await decodeMask(rgb, 'y.png', 'green')).values], [f(20 / 255), f(50 / 255)]);
});

test("LoadImage's mask: 1 − alpha, or ComfyUI's 64×64 zeros for an image without alpha", async () => {
  assert.deepEqual([...(await alphaMask(await png(4, [0, 0, 0, 255, 0, 0, 0, 0]), 'a.png')).values], [0, 1]);
  const none = await alphaMask(await png(3, [1, 2, 3, 4, 5, 6]), 'b.png');
  assert.deepEqual(none.shape, [1, 64, 64]);
  assert.equal(
    none.values.some((v) => v !== 0),
    false,
  );
});
