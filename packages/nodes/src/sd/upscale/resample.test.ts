/**
 * Expected values are torch 1.13 `F.interpolate` outputs (align_corners=False for bilinear/bicubic),
 * printed by: x = torch.arange(35.).reshape(1,1,5,7)/10; F.interpolate(x, size=(9,4) or (3,11), mode=m).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resamplePlanes, type ResampleMethod } from './resample.ts';
import { cropRect, targetSize } from './target-size.ts';

const torch: Record<ResampleMethod, Record<string, number[]>> = {
  bilinear: {
    '9x4': [
      0.0375, 0.2125, 0.3875, 0.5625, 0.270833, 0.445833, 0.620833, 0.795833, 0.659722, 0.834722, 1.009722, 1.184722, 1.048611, 1.223611, 1.398611, 1.573611,
      1.4375, 1.6125, 1.7875, 1.9625, 1.826389, 2.001389, 2.176389, 2.351389, 2.215278, 2.390278, 2.565278, 2.740278, 2.604167, 2.779167, 2.954167, 3.129167,
      2.8375, 3.0125, 3.1875, 3.3625,
    ],
    '3x11': [
      0.233333, 0.278788, 0.342424, 0.406061, 0.469697, 0.533333, 0.59697, 0.660606, 0.724242, 0.787879, 0.833333, 1.4, 1.445454, 1.509091, 1.572727, 1.636364,
      1.7, 1.763636, 1.827273, 1.890909, 1.954545, 2.0, 2.566667, 2.612121, 2.675757, 2.739394, 2.80303, 2.866667, 2.930303, 2.993939, 3.057576, 3.121212,
      3.166667,
    ],
  },
  bicubic: {
    '9x4': [
      -0.041133, 0.146025, 0.312822, 0.499981, 0.210925, 0.398083, 0.564879, 0.752038, 0.619018, 0.806176, 0.972973, 1.160132, 1.050157, 1.237316, 1.404112,
      1.591271, 1.429443, 1.616601, 1.783398, 1.970557, 1.808729, 1.995888, 2.162684, 2.349843, 2.239869, 2.427027, 2.593824, 2.780982, 2.647962, 2.83512,
      3.001917, 3.189075, 2.900019, 3.087178, 3.253974, 3.441132,
    ],
    '3x11': [
      0.172353, 0.21792, 0.293954, 0.349701, 0.421001, 0.481482, 0.541963, 0.613263, 0.66901, 0.745043, 0.79061, 1.390872, 1.436439, 1.512472, 1.568219,
      1.63952, 1.7, 1.760481, 1.831781, 1.887528, 1.963561, 2.009128, 2.60939, 2.654956, 2.73099, 2.786737, 2.858038, 2.918518, 2.978999, 3.050299, 3.106046,
      3.182079, 3.227646,
    ],
  },
  'nearest-exact': {
    '9x4': [
      0.0, 0.2, 0.4, 0.6, 0.0, 0.2, 0.4, 0.6, 0.7, 0.9, 1.1, 1.3, 0.7, 0.9, 1.1, 1.3, 1.4, 1.6, 1.8, 2.0, 2.1, 2.3, 2.5, 2.7, 2.1, 2.3, 2.5, 2.7, 2.8, 3.0, 3.2,
      3.4, 2.8, 3.0, 3.2, 3.4,
    ],
    '3x11': [
      0.0, 0.0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.4, 0.5, 0.6, 0.6, 1.4, 1.4, 1.5, 1.6, 1.6, 1.7, 1.8, 1.8, 1.9, 2.0, 2.0, 2.8, 2.8, 2.9, 3.0, 3.0, 3.1, 3.2, 3.2, 3.3,
      3.4, 3.4,
    ],
  },
  area: {
    '9x4': [
      0.05, 0.2, 0.4, 0.55, 0.4, 0.55, 0.75, 0.9, 0.75, 0.9, 1.1, 1.25, 1.1, 1.25, 1.45, 1.6, 1.45, 1.6, 1.8, 1.95, 1.8, 1.95, 2.15, 2.3, 2.15, 2.3, 2.5, 2.65,
      2.5, 2.65, 2.85, 3.0, 2.85, 3.0, 3.2, 3.35,
    ],
    '3x11': [
      0.35, 0.4, 0.45, 0.5, 0.6, 0.65, 0.7, 0.8, 0.85, 0.9, 0.95, 1.4, 1.45, 1.5, 1.55, 1.65, 1.7, 1.75, 1.85, 1.9, 1.95, 2.0, 2.45, 2.5, 2.55, 2.6, 2.7, 2.75,
      2.8, 2.9, 2.95, 3.0, 3.05,
    ],
  },
};

test('resamplePlanes matches torch F.interpolate for every mode, up- and downsampling', () => {
  const x = Float32Array.from({ length: 35 }, (_, i) => i / 10);
  for (const [method, sizes] of Object.entries(torch) as [ResampleMethod, Record<string, number[]>][]) {
    for (const [size, expected] of Object.entries(sizes)) {
      const [oh, ow] = size.split('x').map(Number) as [number, number];
      const out = resamplePlanes(x, 1, 5, 7, oh, ow, method);
      assert.equal(out.length, expected.length);
      out.forEach((v, i) => assert.ok(Math.abs(v - (expected[i] as number)) < 2e-6, `${method} ${size}[${i}]: ${v} vs ${expected[i]}`));
    }
  }
});

test('1-D [0, 1] → 4: the textbook values (bicubic A = −0.75 over- and undershoots)', () => {
  const x = Float32Array.from([0, 1]);
  assert.deepEqual(Array.from(resamplePlanes(x, 1, 1, 2, 1, 4, 'bilinear')), [0, 0.25, 0.75, 1]);
  assert.deepEqual(Array.from(resamplePlanes(x, 1, 1, 2, 1, 4, 'bicubic')), [-0.10546875, 0.2265625, 0.7734375, 1.10546875]);
  assert.deepEqual(Array.from(resamplePlanes(x, 1, 1, 2, 1, 4, 'nearest-exact')), [0, 0, 1, 1]);
});

test('planes are resampled independently', () => {
  const two = Float32Array.from([0, 1, 10, 11]);
  assert.deepEqual(Array.from(resamplePlanes(two, 2, 1, 2, 1, 4, 'bilinear')), [0, 0.25, 0.75, 1, 10, 10.25, 10.75, 11]);
});

test('ComfyUI sizes: 0 keeps the aspect ratio; center crop to the target aspect (comfy/utils.py common_upscale)', () => {
  assert.deepEqual(targetSize(0, 128, 64, 96), { width: 85, height: 128 }); // round(64·128/96) = round(85.33)
  assert.deepEqual(targetSize(100, 0, 64, 96), { width: 100, height: 150 });
  assert.deepEqual(targetSize(0, 0, 64, 96), { width: 64, height: 96 });
  // 96×64 (3:2) into a square: x = round((96 − 96·(1/1.5)) / 2) = 16, keeping 64×64.
  assert.deepEqual(cropRect(96, 64, 128, 128, 'center'), { left: 16, top: 0, width: 64, height: 64 });
  assert.deepEqual(cropRect(64, 96, 128, 128, 'center'), { left: 0, top: 16, width: 64, height: 64 });
  assert.deepEqual(cropRect(96, 64, 128, 128, 'disabled'), { left: 0, top: 0, width: 96, height: 64 });
});
