import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandMask } from './mask.ts';

test('a noise mask is broadcast over channels and batch, and a pixel-size mask is resized bilinearly', () => {
  // [1, 1, 2, 2] at latent size → [2, 4, 2, 2].
  const small = expandMask({ values: Float32Array.from([1, 0, 0, 1]), shape: [1, 1, 2, 2] }, [2, 4, 2, 2]);
  assert.deepEqual([...small], Array.from({ length: 8 }, () => [1, 0, 0, 1]).flat());
  // A 16×16 mask whose left half is 1, to 2×2: torch bilinear (align_corners=False) samples x = 3.5 and 11.5,
  // i.e. between pixels 3 and 4 (both 1) and between 11 and 12 (both 0) — worked by hand.
  const pixels = Float32Array.from({ length: 256 }, (_, i) => (i % 16 < 8 ? 1 : 0));
  assert.deepEqual([...expandMask({ values: pixels, shape: [1, 16, 16] }, [1, 1, 2, 2])], [1, 0, 1, 0]);
  assert.throws(() => expandMask({ values: new Float32Array(12), shape: [1, 3, 2, 2] }, [1, 4, 2, 2]), /noise mask is 1×3×2×2/);
});
