import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accumulateDelta, applyDelta, factorDims, loraScale, targetOutIn, type LoraFactors } from './merge.ts';

// down [r=1, in=2] = [[1, 2]], up [out=3, r=1] = [[1], [0], [-1]] → up@down = [[1,2],[0,0],[-1,-2]] (by hand)
const f: LoraFactors = { down: new Float32Array([1, 2]), downShape: [1, 2], up: new Float32Array([1, 0, -1]), upShape: [3, 1], alpha: 0.5 };

test('delta in [out, in] and transposed [in, out] layouts', () => {
  const outIn = new Float64Array(6);
  accumulateDelta(outIn, 'out_in', f, 2, 3, 2);
  assert.deepEqual([...outIn], [2, 4, 0, 0, -2, -4]);
  const inOut = new Float64Array(6);
  accumulateDelta(inOut, 'in_out', f, 2, 3, 2);
  assert.deepEqual([...inOut], [2, 0, -2, 4, 0, -4]);
  assert.deepEqual([...applyDelta(new Float32Array([1, 1, 1, 1, 1, 1]), inOut)], [3, 1, -1, 5, 1, -3]);
});

test('scale is alpha / rank, 1 without alpha (kohya LoRAModule, diffusers lora_alpha = rank)', () => {
  assert.equal(loraScale(f), 0.5);
  assert.equal(loraScale({ ...f, alpha: undefined }), 1);
  assert.equal(loraScale({ ...f, downShape: [4, 2], alpha: 8 }), 2);
});

test('shapes: conv 1×1 flattens, 3×3 (LoCon) is refused, rank mismatch is caught', () => {
  assert.deepEqual(targetOutIn([320, 320, 1, 1], 'conv'), [320, 320]);
  assert.deepEqual(targetOutIn([768, 320], 'in_out'), [320, 768]);
  assert.deepEqual(factorDims({ ...f, downShape: [1, 2, 1, 1], upShape: [3, 1, 1, 1] }, 'm'), { rank: 1, inF: 2, outF: 3 });
  assert.throws(() => factorDims({ ...f, downShape: [1, 2, 3, 3] }, 'm'), /3×3 convolution LoRA \(LoCon\)/);
  assert.throws(() => factorDims({ ...f, upShape: [3, 2] }, 'm'), /does not match/);
});
