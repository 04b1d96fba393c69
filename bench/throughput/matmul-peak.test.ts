import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { matmulModel, matmulPeak, uniform } from './matmul-peak.ts';

test('the peak model computes A·B with B = uniform(n², 7), checked against a plain triple loop', async () => {
  const n = 5;
  const session = await ort.InferenceSession.create(matmulModel(n));
  const a = uniform(n * n, 3);
  const b = uniform(n * n, 7);
  const c = (await session.run({ A: new ort.Tensor('float32', a, [n, n]) })).C!.data as Float32Array;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += a[i * n + k]! * b[k * n + j]!;
      assert.ok(Math.abs(c[i * n + j]! - sum) < 1e-5, `C[${i},${j}] = ${c[i * n + j]} vs ${sum}`);
    }
  }
  await session.release();
});

test('uniform values lie in [-0.5, 0.5) and the peak is a positive rate', async () => {
  assert.ok(uniform(1000).every((v) => v >= -0.5 && v < 0.5));
  const peak = await matmulPeak(1, 64, 3);
  assert.equal(peak.threads, 1);
  assert.ok(peak.gflops > 0 && Number.isFinite(peak.gflops));
});
