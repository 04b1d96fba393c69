/**
 * ComfyUI's core image, latent, mask and conditioning operations against torch: expected values come
 * from tools/comfy-ops/reference.py (a torch re-derivation of ComfyUI's nodes), committed as
 * comfy-ops.reference.json beside this file. Inputs are rebuilt here from the same closed form.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { imageOf, latentOf, maskOf, type Conditioning } from '../../ports.ts';
import { averageConditioning, concatConditioning, zeroOutConditioning, withFields } from '../conditioning/ops.ts';
import { prepareInpaint } from '../latent-ops/inpaint-prep.ts';
import { noiseMaskFromMask } from '../latent-ops/noise-mask.ts';
import { batchImages, cropImage, emptyImage, invertImage, padForOutpaint } from './image-ops.ts';
import { bislerp } from '../upscale/bislerp.ts';
import { latentUpscaleByNode } from '../../nodes/latent-upscale-by.ts';
import { conditioningCombineNode } from '../../nodes/conditioning-combine.ts';
import { totalPixelsSize } from '../../nodes/image-scale-to-total-pixels.ts';
import type { NodeContext } from '@loom/engine';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the fixture JSON: its shape is the reference script's
const ref = JSON.parse(readFileSync(new URL('./comfy-ops.reference.json', import.meta.url), 'utf8')) as Record<string, any>;
const wave = (n: number, phase = 0) => Float32Array.from({ length: n }, (_, i) => 0.5 + 0.5 * Math.sin(0.37 * i + phase));
const warnings: string[] = [];
const log = { info: () => {}, warn: (m: string) => void warnings.push(m) };

function close(actual: ArrayLike<number>, expected: number[], tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) <= tolerance, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

const cond = (embeds: Float32Array, tokens: number, pooled?: Float32Array): Conditioning => ({
  kind: 'conditioning',
  family: 'sd15',
  embeds,
  tokens,
  dim: 3,
  padWindow: new Float32Array(6).fill(9),
  empty: false,
  prompt: 'p',
  ...(pooled && { pooled }),
});

test('ConditioningAverage mixes token by token, zero-pads a shorter from and cuts a longer one; pooled mixes too', () => {
  const to = cond(wave(15), 5, wave(4, 2));
  const avg = averageConditioning(to, cond(wave(9, 1), 3, wave(4, 3)), ref.average.strength, log);
  close(avg.embeds, ref.average.embeds);
  close(avg.pooled as Float32Array, ref.average.pooled);
  assert.equal(avg.tokens, 5);
  close(averageConditioning(to, cond(wave(21, 1), 7), ref.average.strength, log).embeds, ref.averageCut.embeds);
});

test('ConditioningConcat appends the tokens; ConditioningZeroOut zeroes embeds, pooled and padding', () => {
  const joined = concatConditioning(cond(wave(15), 5), cond(wave(9, 1), 3), log);
  close(joined.embeds, ref.concat.embeds);
  assert.equal(joined.tokens, 8);
  const zero = zeroOutConditioning(cond(wave(15), 5, wave(4)));
  assert.deepEqual(
    [...zero.embeds, ...(zero.pooled ?? []), ...zero.padWindow].filter((v) => v !== 0),
    [],
  );
  assert.equal(zero.embeds.length, 15);
});

test('ConditioningCombine keeps entries in order and later nodes map over all of them', async () => {
  const a = cond(wave(3), 1);
  const b = withFields(cond(wave(3, 1), 1), { area: { x: 1, y: 2, width: 8, height: 8 }, strength: 0.5 });
  const { conditioning } = (await conditioningCombineNode().run({ conditioning1: a, conditioning2: b }, {}, {} as NodeContext)) as {
    conditioning: Conditioning;
  };
  assert.equal(conditioning.more?.length, 1);
  assert.deepEqual(conditioning.more?.[0]?.area, { x: 1, y: 2, width: 8, height: 8 });
  const ranged = withFields(conditioning, { timestepRange: [0.2, 0.8] });
  assert.deepEqual([ranged.timestepRange, ranged.more?.[0]?.timestepRange, ranged.more?.[0]?.strength], [[0.2, 0.8], [0.2, 0.8], 0.5]);
  warnings.length = 0;
  averageConditioning(a, conditioning, 0.5, log);
  assert.match(warnings[0] ?? '', /only the first is applied/);
});

test('VAEEncodeForInpaint: crop to multiples of 8, grey the masked pixels, grow the noise mask (grow 0, 3, 6)', () => {
  const images = imageOf(wave(13 * 18 * 3), [1, 13, 18]);
  const mask = maskOf(Float32Array.from(ref.maskInput as number[]), [1, 7, 9]);
  for (const grow of [0, 3, 6]) {
    const prep = prepareInpaint(images, mask, grow);
    const expected = ref[`inpaint${grow}`];
    assert.deepEqual(prep.images.shape, [1, 8, 16, 3]);
    close(prep.images.pixels, expected.pixels);
    close(prep.noiseMask, expected.noiseMask, 0);
  }
});

test('a noise mask is resized bilinearly to the latent and repeated to its batch, as ComfyUI prepares it', () => {
  const mask = maskOf(Float32Array.from(ref.maskInput as number[]), [1, 7, 9]);
  const nm = noiseMaskFromMask(mask, [3, 4, 2, 3]);
  assert.deepEqual(nm.shape, [3, 1, 2, 3]);
  close(nm.values, ref.noiseMask.values);
});

test('ImagePadForOutpaint pads with grey and feathers the mask quadratically along padded edges', () => {
  const { images, mask } = padForOutpaint(imageOf(wave(10 * 12 * 3, 0.2), [1, 10, 12]), 8, 0, 4, 16, 3);
  assert.deepEqual(images.shape, ref.pad.shape);
  close(images.pixels, ref.pad.images);
  close(mask.values, ref.pad.mask);
  assert.deepEqual(mask.shape, [1, 26, 24]);
});

test('ImageBatch resizes a differently sized second batch (center crop + bilinear) before joining', () => {
  const first = imageOf(new Float32Array(4 * 7 * 3), [1, 4, 7]);
  const joined = batchImages(first, imageOf(wave(6 * 5 * 3, 0.7), [1, 6, 5]));
  assert.deepEqual(joined.shape, [2, 4, 7, 3]);
  close(joined.pixels.subarray(4 * 7 * 3), ref.batchResize.images);
});

test('LatentUpscaleBy rounds as Python (7·1.5 = 10.5 → 10) and resamples as torch for every mode', async () => {
  const latent = latentOf(wave(70, 0.3), [1, 2, 5, 7]);
  for (const method of ['bilinear', 'bicubic', 'nearest-exact', 'area'] as const) {
    const { latent: out } = (await latentUpscaleByNode().run({ latent }, { method, scaleBy: 1.5 }, {} as NodeContext)) as { latent: typeof latent };
    assert.deepEqual(out.shape, ref.latentUpscaleBy[method].shape);
    close(out.samples, ref.latentUpscaleBy[method].values);
  }
});

test("LatentUpscaleBy's bislerp matches ComfyUI's (up and down, with a parallel-neighbour edge case)", async () => {
  const values = Float32Array.from(wave(2 * 4 * 5 * 7, 0.9), (v) => v * 2 - 1);
  // The same edit as the reference: pixel (2, 3) of batch 0 copies pixel (2, 2).
  for (let c = 0; c < 4; c++) values[c * 35 + 2 * 7 + 3] = values[c * 35 + 2 * 7 + 2] as number;
  close(bislerp(values, 2, 4, 5, 7, 8, 11), ref.bislerp.up, 2e-5);
  close(bislerp(values, 2, 4, 5, 7, 4, 3), ref.bislerp.down, 2e-5);
});

test('ImageCrop clamps the origin to the image and cuts at its edge; ImageInvert and EmptyImage by hand', () => {
  // 2×3 image whose red channel is the pixel index.
  const pixels = Float32Array.from({ length: 18 }, (_, i) => (i % 3 === 0 ? i / 3 : 0));
  const crop = cropImage(imageOf(pixels, [1, 2, 3]), 5, 5, 1, 7);
  assert.deepEqual(crop.shape, [1, 1, 2, 3]); // y clamped to the last row (1), width cut to 3 − 1
  assert.deepEqual(
    [...crop.pixels].filter((_, i) => i % 3 === 0),
    [4, 5],
  );
  assert.deepEqual([...invertImage(imageOf(Float32Array.of(0, 0.25, 1), [1, 1, 1])).pixels], [1, 0.75, 0]);
  const empty = emptyImage(2, 1, 2, 0xff8000);
  assert.deepEqual(empty.shape, [2, 1, 2, 3]);
  assert.deepEqual([...empty.pixels.subarray(0, 3)], [1, Math.fround(128 / 255), 0]);
});

test('ImageScaleToTotalPixels: int(mp·1024²), sqrt scale, Python rounding to resolution steps', () => {
  // 512×768 to 1 MP: s = sqrt(1048576 / 393216) = 1.63299…; 836.09 → 836, 1254.1 → 1254.
  assert.deepEqual(totalPixelsSize(512, 768, 1, 1), { width: 836, height: 1254 });
  // steps 64: 836 / 64 = 13.06 → 13·64 = 832; 1254.1 / 64 = 19.6 → 20·64 = 1280.
  assert.deepEqual(totalPixelsSize(512, 768, 1, 64), { width: 832, height: 1280 });
});
