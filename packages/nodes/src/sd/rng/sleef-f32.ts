/**
 * torch's float32 `exp` and `log` on the CPU, bit for bit: torch evaluates them with SLEEF's vectorised
 * `Sleef_expf8_u10` / `Sleef_logf8_u10` (aten/src/ATen/cpu/vec/vec256/vec256_float.h; the same algorithm in
 * the AVX-512 build), i.e. SLEEF sleefsimdsp.c `xexpf` and `xlogf_u1` with fused multiply-adds. They are within
 * 1 ulp but not always correctly rounded, so `Math.fround(Math.exp(x))` differs in the last bit for some inputs.
 * We need the exact bits where ComfyUI's samplers feed σ computed this way into torchsde's Brownian tree, which
 * rounds query times to 6 decimals (float32's own resolution at σ ≈ 10). Re-derived from the SLEEF algorithm;
 * checked against torch on 20 000 inputs (sleef-f32.test.ts).
 */
import { fmaf } from './fmaf.ts';

const f = Math.fround;
// eslint-disable-next-line no-loss-of-precision -- the constant as its source publishes it; JS rounds it as C does
const R_LN2F = f(1.442695040888963407359924681001892137426645954152985934135449406931);
const L2UF = f(0.693145751953125);
const L2LF = f(1.428606765330187045e-6);

/** Round half to even (`vrint`). */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** x · 2^q for float32 x (exact while the result stays normal, which holds on exp's range here). */
const ldexp = (x: number, q: number): number => f(x * 2 ** q);

/** SLEEF `xexpf` (u1.0): `exp` of a float32. */
export function expSleefF32(d: number): number {
  d = f(d);
  if (d > 100) return Infinity;
  if (d < -104) return 0;
  const q = rint(f(d * R_LN2F));
  let s = fmaf(q, -L2UF, d);
  s = fmaf(q, -L2LF, s);
  let u = f(0.000198527617612853646278381);
  u = fmaf(u, s, f(0.00139304355252534151077271));
  u = fmaf(u, s, f(0.00833336077630519866943359));
  u = fmaf(u, s, f(0.0416664853692054748535156));
  u = fmaf(u, s, f(0.166666671633720397949219));
  u = fmaf(u, s, 0.5);
  u = f(1 + fmaf(f(s * s), u, s));
  return ldexp(u, q);
}

/** A float-float pair (value + small correction), SLEEF's `vfloat2`. */
type F2 = [number, number];

const f2add2 = (x: number, y: number): F2 => {
  const s = f(x + y);
  const v = f(s - x);
  return [s, f(f(x - f(s - v)) + f(y - v))];
};
const f2addF2F2 = (x: F2, y: F2): F2 => {
  const s = f(x[0] + y[0]);
  return [s, f(f(f(f(x[0] - s) + y[0]) + x[1]) + y[1])];
};
const f2addF2F = (x: F2, y: number): F2 => {
  const s = f(x[0] + y);
  return [s, f(f(f(x[0] - s) + y) + x[1])];
};
const f2mulF2F = (x: F2, y: number): F2 => {
  const s = f(x[0] * y);
  return [s, fmaf(x[1], y, fmaf(x[0], y, -s))];
};
const f2div = (n: F2, d: F2): F2 => {
  const t = f(1 / d[0]);
  const s = f(n[0] * t);
  const u = fmaf(t, n[0], -s);
  const v = fmaf(-d[1], t, fmaf(-d[0], t, 1));
  return [s, fmaf(s, v, fmaf(n[1], t, u))];
};

/** SLEEF `xlogf_u1` (u1.0): natural log of a positive normal float32. */
export function logSleefF32(d: number): number {
  d = f(d);
  if (d < 0 || Number.isNaN(d)) return NaN;
  if (d === 0) return -Infinity;
  if (d === Infinity) return Infinity;
  let scaled = d;
  let bias = 0;
  if (d < 1.1754943508222875e-38) {
    scaled = f(d * 2 ** 64);
    bias = 64;
  }
  const e = Math.floor(Math.log2(f(scaled * f(1 / 0.75))));
  const m = ldexp(scaled, -e);
  const s0 = f2mulF2F([f(0.69314718246459960938), f(-1.904654323148236017e-9)], e - bias);
  const x = f2div(f2add2(-1, m), f2add2(1, m));
  const x2 = f(x[0] * x[0]);
  let t = f(0.3027294874);
  t = fmaf(t, x2, f(0.3996108174));
  t = fmaf(t, x2, f(0.666669488));
  let s = f2addF2F2(s0, [f(x[0] * 2), f(x[1] * 2)]);
  s = f2addF2F(s, f(f(x2 * x[0]) * t));
  return f(s[0] + s[1]);
}
