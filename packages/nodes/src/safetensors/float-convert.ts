/**
 * Conversions between IEEE half precision (binary16), bfloat16 and float32.
 *
 * Node 20 has no Float16Array, so half values travel as their raw bit patterns in a Uint16Array
 * (the layout ONNX uses for FLOAT16 `raw_data` and safetensors for `F16`/`BF16`).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Decodes one binary16 bit pattern (IEEE 754-2008) to a number; exact for every input. */
export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals: frac · 2^-14 · 2^-10
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Encodes a float32 value as binary16 bits with round-to-nearest-even, the rounding torch's
 * `.half()` and numpy's `astype(float16)` use, so merged fp16 initializers match theirs.
 */
export function floatToHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN (quiet)
  const e = exp - 127 + 15; // re-biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // overflow → ±Inf
  if (e <= 0) {
    // Result is subnormal (or zero) in half precision: shift the implicit-1 mantissa right.
    if (e < -10) return sign; // underflow to ±0 (below half of the smallest subnormal)
    const m = mant | 0x800000;
    const shift = 14 - e; // 13 bits of precision loss plus the exponent deficit
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let r = m >>> shift;
    if (rest > half || (rest === half && (r & 1) === 1)) r += 1;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // Round to nearest even; a carry out of the mantissa correctly bumps the exponent (maybe to Inf).
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1) === 1)) r += 1;
  return sign | r;
}

/** Converts binary16 bit patterns to float32. */
export function halfToFloat32(src: Uint16Array): Float32Array {
  const table = halfTable();
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]!]!;
  return out;
}

/** Converts float32 values to binary16 bit patterns (round to nearest even). */
export function float32ToHalf(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = floatToHalfBits(src[i]!);
  return out;
}

/** Converts bfloat16 bit patterns to float32: bf16 is the top half of an f32 (`u32 = u16 << 16`). */
export function bfloat16ToFloat32(src: Uint16Array): Float32Array {
  const out = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! << 16;
  return new Float32Array(out.buffer);
}

let table: Float32Array | undefined;
/** All 65,536 half values decoded once (256 KB) so bulk conversion is a table lookup. */
function halfTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfBitsToFloat(h);
  }
  return table;
}
