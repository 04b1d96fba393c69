import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ort from 'onnxruntime-node';
import { clockRuns, equalizedRatio, sampleLoop } from './run-clock.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('the clock adds up the time inside run and passes results through', async () => {
  const fake = { run: async (x: number) => (await sleep(30), x * 2) } as unknown as ort.InferenceSession;
  const clock = clockRuns(fake);
  const sample = await sampleLoop(clock, async () => {
    const t0 = performance.now();
    assert.equal(await (fake.run as unknown as (x: number) => Promise<number>)(21), 42);
    await sleep(20);
    return performance.now() - t0;
  });
  assert.ok(sample.insideMs >= 29 && sample.insideMs < sample.totalMs, `${sample.insideMs} inside of ${sample.totalMs}`);
  assert.ok(sample.totalMs - sample.insideMs >= 19);
});

test('equalized ratio: (T + Oa) / (T + Ob) with medians, by hand', () => {
  // inside times 100, 120, 80, 100 → median 100; outside A = 10, B = 5 → 110 / 105.
  const a = [
    { totalMs: 110, insideMs: 100 },
    { totalMs: 130, insideMs: 120 },
  ];
  const b = [
    { totalMs: 85, insideMs: 80 },
    { totalMs: 105, insideMs: 100 },
  ];
  const r = equalizedRatio(a, b);
  assert.equal(r.insideMs, 100);
  assert.equal(r.outsideA, 10);
  assert.equal(r.outsideB, 5);
  assert.equal(r.ratio, 110 / 105);
});
