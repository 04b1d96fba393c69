import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogParam } from '../../api/types.ts';
import { numberProblem, numberSpec, randomSeed } from './widget-math.ts';

const param = (schema: Record<string, unknown>): CatalogParam => ({ name: 'x', description: '', widget: 'number', linkType: 'FLOAT', required: false, schema });

test('ranges and steps come from the schema', () => {
  assert.deepEqual(numberSpec(param({ type: 'integer', minimum: 1, maximum: 1000, default: 20 })), {
    integer: true,
    min: 1,
    max: 1000,
    step: 1,
    soft: [1, 60],
  });
  // cfg 0..100, default 7: the slider spans 7 ± 14 clipped to [0, 21]; 21/200 = 0.105 → step 0.1.
  assert.deepEqual(numberSpec(param({ type: 'number', minimum: 0, maximum: 100, default: 7 })), { integer: false, min: 0, max: 100, step: 0.1, soft: [0, 21] });
  // denoise 0..1: the whole range; 1/200 = 0.005 → 0.001.
  assert.deepEqual(numberSpec(param({ type: 'number', minimum: 0, maximum: 1, default: 1 })).soft, [0, 1]);
  assert.equal(numberSpec(param({ type: 'number', minimum: 0, maximum: 1 })).step, 0.001);
  // LoRA strength −100..100, default 1: 1 ± 2 → [−1, 3]; 4/200 = 0.02 → 0.01.
  assert.deepEqual(numberSpec(param({ type: 'number', minimum: -100, maximum: 100, default: 1 })), {
    integer: false,
    min: -100,
    max: 100,
    step: 0.01,
    soft: [-1, 3],
  });
  assert.equal(numberSpec(param({ type: 'number', minimum: 0, maximum: 2, multipleOf: 0.05 })).step, 0.05);
  // Unbounded integers are declared with ±(2^53 − 1), which is no useful input range.
  const unbounded = numberSpec(param({ type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 }));
  assert.deepEqual([unbounded.min, unbounded.max, unbounded.step], [undefined, undefined, 1]);
});

test('out-of-range and fractional values are reported', () => {
  const spec = numberSpec(param({ type: 'integer', minimum: 8, maximum: 8192 }));
  assert.equal(numberProblem(64, spec), null);
  assert.equal(numberProblem(4, spec), 'Must be at least 8.');
  assert.equal(numberProblem(9000, spec), 'Must be at most 8192.');
  assert.equal(numberProblem(64.5, spec), 'Must be a whole number.');
  assert.equal(numberProblem(Number.NaN, spec), 'Not a number.');
});

test('random seeds stay in range and use the high bits too', () => {
  const spec = numberSpec(param({ type: 'integer', minimum: 0, maximum: 9007199254740991 }));
  const seeds = Array.from({ length: 200 }, () => randomSeed({ ...spec, min: 0, max: Number.MAX_SAFE_INTEGER }));
  assert.ok(seeds.every((s) => Number.isSafeInteger(s) && s >= 0));
  // With 53 random bits, 200 draws all below 2^40 would happen with probability 2^(-13·200).
  assert.ok(seeds.some((s) => s > 2 ** 40));
  const small = { integer: true, min: 5, max: 7, step: 1, soft: [5, 7] as [number, number] };
  const drawn = new Set(Array.from({ length: 300 }, () => randomSeed(small)));
  assert.deepEqual([...drawn].sort(), [5, 6, 7]);
});
