import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bfloat16ToFloat32, floatToHalfBits, halfBitsToFloat, halfToFloat32 } from './float-convert.ts';

// Expected values are worked out by hand from the IEEE 754 binary16 / bfloat16 bit layouts.
test('binary16 bit patterns decode to their IEEE values', () => {
  const cases: [number, number][] = [
    [0x3c00, 1],
    [0xc000, -2],
    [0x7bff, 65504],
    [0x0001, 2 ** -24],
    [0x0400, 2 ** -14],
    [0x3555, 0.333251953125],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x8000, -0],
  ];
  for (const [bits, value] of cases) assert.equal(halfBitsToFloat(bits), value, `0x${bits.toString(16)}`);
  assert.ok(Number.isNaN(halfBitsToFloat(0x7e00)));
  assert.deepEqual([...halfToFloat32(new Uint16Array([0x3c00, 0xc000]))], [1, -2]);
});

test('float32 → binary16 rounds to nearest even', () => {
  assert.equal(floatToHalfBits(1), 0x3c00);
  assert.equal(floatToHalfBits(65504), 0x7bff);
  assert.equal(floatToHalfBits(65520), 0x7c00); // halfway to 65536, 0x7bff is odd → rounds up to Inf
  assert.equal(floatToHalfBits(1e6), 0x7c00);
  assert.equal(floatToHalfBits(1 + 2 ** -11), 0x3c00); // halfway, 0x3c00 even
  assert.equal(floatToHalfBits(1 + 3 * 2 ** -11), 0x3c02); // halfway, 0x3c01 odd → up
  assert.equal(floatToHalfBits(2 ** -24), 0x0001);
  assert.equal(floatToHalfBits(2 ** -25), 0x0000); // halfway between 0 and the smallest subnormal
  assert.equal(floatToHalfBits(3 * 2 ** -25), 0x0002); // 1.5 units → 2
  assert.equal(floatToHalfBits(-2), 0xc000);
  assert.equal(floatToHalfBits(NaN) & 0x7c00, 0x7c00);
});

test('every finite binary16 value survives decode → encode', () => {
  for (let h = 0; h < 65536; h++) {
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue; // NaN payloads are not preserved
    assert.equal(floatToHalfBits(halfBitsToFloat(h)), h);
  }
});

test('bfloat16 is the top half of a float32', () => {
  // 0x4049 → exponent 128, mantissa 0x49/0x80 = 0.5703125 → 2 · 1.5703125
  const out = bfloat16ToFloat32(new Uint16Array([0x3f80, 0xc040, 0x4049, 0x8000]));
  assert.deepEqual([...out], [1, -3, 3.140625, -0]);
});
