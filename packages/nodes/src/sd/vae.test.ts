import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { decodeLatents, tileStarts } from './vae.ts';
import type { Latent } from '../ports.ts';

/** A stand-in decoder: nearest 8× upsampling of latent channels 0–2, plus `bias(tile)` added everywhere. */
function fakeDecoder(bias: (z: Float32Array) => number): ort.InferenceSession {
  return {
    inputMetadata: [{ name: 'latent_sample', isTensor: true, type: 'float32', shape: [1, 4, 'h', 'w'] }],
    outputNames: ['sample'],
    inputNames: ['latent_sample'],
    run: async (feeds: Record<string, ort.Tensor>) => {
      const t = feeds.latent_sample as ort.Tensor;
      const [, , h, w] = t.dims as number[];
      const z = t.data as Float32Array;
      const H = h! * 8;
      const W = w! * 8;
      const out = new Float32Array(3 * H * W);
      const b = bias(z);
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++) out[c * H * W + y * W + x] = (z[c * h! * w! + Math.floor(y / 8) * w! + Math.floor(x / 8)] as number) + b;
      return { sample: new ort.Tensor('float32', out, [1, 3, H, W]) };
    },
  } as unknown as ort.InferenceSession;
}

const latent = (h: number, w: number): Latent => {
  const samples = new Float32Array(4 * h * w);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.sin(i * 0.37) * 0.5;
  return { kind: 'latent', samples, shape: [1, 4, h, w], meta: {} };
};

test('tile origins cover the axis evenly with at least the requested overlap', () => {
  assert.deepEqual(tileStarts(10, 16, 4), [0]);
  assert.deepEqual(tileStarts(32, 16, 4), [0, 8, 16]);
  for (const [size, tile, overlap] of [
    [40, 16, 4],
    [100, 32, 8],
    [33, 16, 2],
  ] as const) {
    const starts = tileStarts(size, tile, overlap);
    assert.equal(starts[0], 0);
    assert.equal((starts.at(-1) as number) + tile, size);
    for (let i = 1; i < starts.length; i++) assert.ok((starts[i - 1] as number) + tile - (starts[i] as number) >= overlap);
  }
});

test('with a local decoder, tiled decoding equals decoding in one piece', async () => {
  const session = fakeDecoder(() => 0);
  const whole = await decodeLatents(session, 'fake', latent(24, 40), 1, undefined);
  const tiled = await decodeLatents(session, 'fake', latent(24, 40), 1, { tile: 16, overlap: 4 });
  for (let i = 0; i < whole.pixels.length; i++) assert.ok(Math.abs((whole.pixels[i] as number) - (tiled.pixels[i] as number)) < 1e-6);
});

test('tiles that disagree are blended with ramps, so no hard edge appears', async () => {
  // Each tile gets a different offset (as a decoder with global attention would), up to 0.2 apart.
  let call = 0;
  const session = fakeDecoder(() => (call++ % 2 === 0 ? 0 : 0.2));
  const flat: Latent = { kind: 'latent', samples: new Float32Array(4 * 16 * 40), shape: [1, 4, 16, 40], meta: {} };
  const tiled = await decodeLatents(session, 'fake', flat, 1, { tile: 16, overlap: 8 });
  const [, , W] = tiled.shape;
  let worstJump = 0;
  for (let x = 0; x < W - 1; x++) worstJump = Math.max(worstJump, Math.abs((tiled.pixels[(x + 1) * 3] as number) - (tiled.pixels[x * 3] as number)));
  // A 0.1 step in pixel value (0.2 bias / 2 after mapping to [0,1]) spread over a 64-pixel ramp.
  assert.ok(worstJump < 0.1 / 32, `largest jump between neighbouring pixels: ${worstJump}`);
  // Without overlap the same disagreement is a hard edge, which is what the ramp avoids.
  call = 0;
  const abutting: Latent = { ...flat, samples: new Float32Array(4 * 16 * 48), shape: [1, 4, 16, 48] };
  const hard = await decodeLatents(session, 'fake', abutting, 1, { tile: 16, overlap: 0 });
  let hardJump = 0;
  for (let x = 0; x < hard.shape[2] - 1; x++) hardJump = Math.max(hardJump, Math.abs((hard.pixels[(x + 1) * 3] as number) - (hard.pixels[x * 3] as number)));
  assert.ok(hardJump > 0.09);
});
