/**
 * Single-precision fused multiply-add, `fmaf(a, b, c)`: `a*b + c` rounded once to float32.
 *
 * Torch's AVX2 normal sampler is compiled with GCC's default `-ffp-contract=fast`, so several
 * multiply/add pairs in its polynomials execute as one FMA instruction; matching its bits requires the
 * same single rounding. For float32 inputs `a*b` is exact in a double (24+24 < 53 bits). The sum with `c`
 * is computed with Knuth's TwoSum, giving `s + e` exactly. Rounding `s` to float32 is then already right,
 * except when `s` sits exactly on a float32 tie and the lost part `e` decides the direction.
 */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bv = s - p;
  const e = p - (s - bv) + (c - bv);
  const r = Math.fround(s);
  if (e === 0 || r === s) return r;
  const d = s - r;
  const other = r + 2 * d;
  // s is a tie between r and `other` exactly when `other` is itself a float32 (see module doc).
  if (Math.fround(other) !== other) return r;
  return Math.sign(e) === Math.sign(d) ? other : r;
}
