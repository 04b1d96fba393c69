/**
 * Scalar float32 re-derivations of `log256_ps` and `sincos256_ps` from PyTorch's
 * `aten/src/ATen/native/cpu/avx_mathfun.h` (Giovanni Garberoglio's AVX port of Julien Pommier's
 * `sse_mathfun.h`, itself the Cephes `logf`/`sinf`/`cosf` algorithms). Torch's AVX2 `normal_fill` uses
 * them instead of libm, so their exact float32 rounding sequence decides the last bits of `torch.randn`.
 *
 * Every intermediate is rounded with `Math.fround`. Where GCC (`-O2`, default `-ffp-contract=fast`,
 * `-mfma`) contracts a multiply feeding an add into one FMA, we call {@link fmaf}; which pairs fuse was
 * established by comparing against real torch 1.13.1 output on this machine (see `torch-randn.test.ts`).
 */
import { fmaf } from './fmaf.ts';

const f = Math.fround;

// Cephes logf constants (avx_mathfun.h `_ps256_cephes_log_*`), rounded to float32 like the C initialisers.
// eslint-disable-next-line no-loss-of-precision -- the constant as its source publishes it; JS rounds it as C does
const SQRTHF = f(0.707106781186547524);
const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(f);
const LOG_Q1 = f(-2.1219444e-4);
const LOG_Q2 = f(0.693359375);

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Cephes natural log of a float32 in (0, 1], as torch's `log256_ps` computes it lane by lane. */
export function logCephesF32(value: number): number {
  F32[0] = Math.max(value, 1.1754943508222875e-38); // cut off denormals (min_norm_pos)
  const bits = U32[0]!;
  let e = f((bits >>> 23) - 0x7f + 1);
  // Keep the mantissa, force the exponent of 0.5: x in [0.5, 1).
  U32[0] = (bits & ~0x7f800000) | 0x3f000000;
  let x = F32[0]!;
  const below = x < SQRTHF;
  const tmp = below ? x : 0;
  x = f(x - 1);
  if (below) e = f(e - 1);
  x = f(x + tmp);

  const z = f(x * x);
  let y = LOG_P[0]!;
  for (let k = 1; k < LOG_P.length; k++) y = fmaf(y, x, LOG_P[k]!);
  y = f(y * x);
  y = fmaf(y, z, f(e * LOG_Q1));
  y = fmaf(-z, 0.5, y);
  x = f(x + y);
  return fmaf(e, LOG_Q2, x);
}

// Cephes sinf/cosf constants (avx_mathfun.h).
const DP1 = f(-0.78515625);
const DP2 = f(-2.4187564849853515625e-4);
// eslint-disable-next-line no-loss-of-precision -- the constant as its source publishes it; JS rounds it as C does
const DP3 = f(-3.77489497744594108e-8);
const SIN_P = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f);
const COS_P = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f);
const FOPI = f(1.27323954473516); // 4 / pi

/** Result of {@link sinCosCephesF32}. */
export interface SinCos {
  sin: number;
  cos: number;
}

/** Cephes sine and cosine of a float32 angle in [0, 8192), as torch's `sincos256_ps` computes them. */
export function sinCosCephesF32(angle: number): SinCos {
  const sinSign = angle < 0 ? -1 : 1;
  let x = Math.abs(angle);
  // Octant j, rounded up to even (Cephes: j = (j + 1) & ~1), and its float value.
  let j = Math.trunc(f(x * FOPI));
  j = (j + 1) & ~1;
  const yj = f(j);
  // Extended-precision reduction x - j*pi/4 in three parts.
  x = fmaf(yj, DP1, x);
  x = fmaf(yj, DP2, x);
  x = fmaf(yj, DP3, x);

  const z = f(x * x);
  let c = fmaf(COS_P[0]!, z, COS_P[1]!);
  c = fmaf(c, z, COS_P[2]!);
  c = f(c * z);
  c = fmaf(c, z, -f(z * 0.5));
  c = f(c + 1);

  let s = fmaf(SIN_P[0]!, z, SIN_P[1]!);
  s = fmaf(s, z, SIN_P[2]!);
  s = f(s * z);
  s = fmaf(s, x, x);

  // Octants 2 and 6 (mod 8) swap the polynomials; bit 2 of j flips the sine, bit 2 of j-2 the cosine.
  const swap = (j & 2) !== 0;
  const sinFlip = (j & 4) !== 0 ? -1 : 1;
  const cosFlip = ((j - 2) & 4) === 0 ? -1 : 1;
  return {
    sin: (swap ? c : s) * sinFlip * sinSign,
    cos: (swap ? s : c) * cosFlip,
  };
}
