import { test } from 'node:test';
import assert from 'node:assert/strict';
import { factorDims, loraScale, stackFactors, targetOutIn, type LoraFactors } from './merge.ts';

// down [r=1, in=2] = [[1, 2]], up [out=3, r=1] = [[1], [0], [-1]] → up@down = [[1,2],[0,0],[-1,-2]] (by hand)
const f: LoraFactors = { down: new Float32Array([1, 2]), downShape: [1, 2], up: new Float32Array([1, 0, -1]), upShape: [3, 1], alpha: 0.5 };

/** Plain a@b for the hand checks. */
function product(a: Float32Array, b: Float32Array, m: number, r: number, n: number): number[] {
  return Array.from({ length: m * n }, (_, idx) => {
    let s = 0;
    for (let k = 0; k < r; k++) s += a[Math.floor(idx / n) * r + k]! * b[k * n + (idx % n)]!;
    return s;
  });
}

test('stacked factors give coef·ΔW in [out, in] and transposed [in, out] layouts', () => {
  const outIn = stackFactors('out_in', [{ factors: f, coef: 2 }], 3, 2);
  assert.deepEqual([outIn.m, outIn.r, outIn.n], [3, 1, 2]);
  assert.deepEqual(product(outIn.a, outIn.b, 3, 1, 2), [2, 4, 0, 0, -2, -4]);
  const inOut = stackFactors('in_out', [{ factors: f, coef: 2 }], 3, 2);
  assert.deepEqual(product(inOut.a, inOut.b, 2, 1, 3), [2, 0, -2, 4, 0, -4]);
});

test('two LoRAs stack their ranks: the product is the sum of both deltas', () => {
  // g: down [[0, 1]], up [[3], [1], [0]] → up@down = [[0,3],[0,1],[0,0]]
  const g: LoraFactors = { down: new Float32Array([0, 1]), downShape: [1, 2], up: new Float32Array([3, 1, 0]), upShape: [3, 1] };
  const s = stackFactors(
    'in_out',
    [
      { factors: f, coef: 1 },
      { factors: g, coef: -1 },
    ],
    3,
    2,
  );
  assert.equal(s.r, 2);
  // Σ = [[1,2],[0,0],[-1,-2]] - [[0,3],[0,1],[0,0]] = [[1,-1],[0,-1],[-1,-2]], transposed:
  assert.deepEqual(product(s.a, s.b, s.m, s.r, s.n), [1, 0, -1, -1, -1, -2]);
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
