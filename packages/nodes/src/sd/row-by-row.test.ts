import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { ModelRunner } from './model-session.ts';
import { rowByRow } from './row-by-row.ts';

const UNET = new URL('../../../../models/loom-tiny/unet/model.onnx', import.meta.url);

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) out[i] = (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 30 - 1;
  return out;
}

test('a CFG batch run row by row gives the batched call’s numbers, in the same order (loom-tiny UNet)', async () => {
  const session = await ort.InferenceSession.create(UNET.pathname);
  try {
    const runner: ModelRunner = { session, path: UNET.pathname, run: (feeds) => session.run(feeds) };
    const feeds = {
      sample: new ort.Tensor('float32', values(2 * 4 * 16 * 16, 1), [2, 4, 16, 16]),
      timestep: new ort.Tensor('int64', new BigInt64Array([500n, 500n]), [2]),
      encoder_hidden_states: new ort.Tensor('float32', values(2 * 77 * 64, 2), [2, 77, 64]),
    };
    const calls: number[][] = [];
    const counted: ModelRunner = { ...runner, run: (f) => (calls.push([...(f.sample as ort.Tensor).dims]), runner.run(f)) };
    const batched = (await runner.run(feeds)).out_sample as ort.Tensor;
    const split = (await rowByRow(counted).run(feeds)).out_sample as ort.Tensor;
    assert.deepEqual(calls, [
      [1, 4, 16, 16],
      [1, 4, 16, 16],
    ]);
    assert.deepEqual(split.dims, batched.dims);
    const a = batched.data as Float32Array;
    const b = split.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
    assert.ok(worst < 1e-5, `largest difference ${worst}`);
    // The rows differ from each other, so a swapped order could not pass.
    assert.notEqual(a[0], a[a.length / 2]);
  } finally {
    await session.release();
  }
});

test('one-row calls and scalar feeds pass through unchanged', async () => {
  const seen: Record<string, ort.Tensor>[] = [];
  const fake: ModelRunner = {
    session: {} as ort.InferenceSession,
    path: 'fake.onnx',
    run: async (feeds) => (seen.push(feeds), { out: feeds.sample as ort.Tensor }),
  };
  const scalar = new ort.Tensor('float32', new Float32Array([999]), []);
  const one = { sample: new ort.Tensor('float32', new Float32Array([1, 2]), [1, 2]), timestep: scalar };
  await rowByRow(fake).run(one);
  assert.equal(seen[0], one);
  const two = { sample: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [2, 2]), timestep: scalar };
  const out = await rowByRow(fake).run(two);
  assert.equal(seen[1]?.timestep, scalar);
  assert.deepEqual([...(seen[2]?.sample?.data as Float32Array)], [3, 4]);
  assert.deepEqual([...(out.out?.data as Float32Array)], [1, 2, 3, 4]);
  assert.deepEqual(out.out?.dims, [2, 2]);
});
