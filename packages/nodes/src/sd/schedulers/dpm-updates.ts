/**
 * The DPM-Solver++ multistep updates of diffusers `DPMSolverMultistepScheduler`
 * (`scheduling_dpmsolver_multistep.py`: `dpm_solver_first_order_update`,
 * `multistep_dpm_solver_second_order_update` with `solver_type="midpoint"`,
 * `multistep_dpm_solver_third_order_update`), for `algorithm_type` "dpmsolver++" (the ODE solver, Lu et al.
 * 2022, arXiv:2211.01095) and "sde-dpmsolver++" (its SDE variant, which adds `σ_t·sqrt(1 − e^{−2h})·z`
 * of fresh noise z). Float32 op by op, in the order the torch expressions evaluate.
 */
const f = Math.fround;

/** `_sigma_to_alpha_sigma_t` of one schedule sigma, and λ = ln α − ln σ. */
export interface AlphaSigma {
  alpha: number;
  sigma: number;
  lambda: number;
}

export interface DpmUpdate {
  /** The step's target t and its sources s0 (now), s1, s2 (the steps before). */
  t: AlphaSigma;
  s: readonly AlphaSigma[];
  sample: Float32Array;
  /** x0 predictions m0 (now), m1, m2 (before). */
  m: readonly Float32Array[];
  /** Fresh standard-normal noise for "sde-dpmsolver++"; absent for the ODE solver. */
  noise?: Float32Array;
}

/** The parts every order shares: `h`, the sample and D0 coefficients, and the SDE noise scale. */
function common({ t, s, noise }: DpmUpdate) {
  const s0 = s[0]!;
  const h = f(t.lambda - s0.lambda);
  const ratio = f(t.sigma / s0.sigma);
  if (noise === undefined) return { h, sde: false, x: ratio, d0: f(t.alpha * f(f(Math.exp(-h)) - 1)), noiseScale: 0, e2: 0 };
  const e2 = f(Math.exp(f(-2 * h)));
  return { h, sde: true, x: f(ratio * f(Math.exp(-h))), d0: f(t.alpha * f(1 - e2)), noiseScale: f(t.sigma * f(Math.sqrt(f(1 - e2)))), e2 };
}

/** The deterministic part, then + σ_t·sqrt(1 − e^{−2h})·z for the SDE. */
function finish(base: number, k: number, c: ReturnType<typeof common>, noise: Float32Array | undefined): number {
  return noise === undefined ? base : f(base + f(c.noiseScale * noise[k]!));
}

/** The ODE subtracts the D0 term (its coefficient e^{−h} − 1 is negative), the SDE adds its own. */
function head(c: ReturnType<typeof common>, x: number, m0: number): number {
  return c.sde ? f(f(c.x * x) + f(c.d0 * m0)) : f(c.x * x) - f(c.d0 * m0);
}

export function firstOrderUpdate(u: DpmUpdate): Float32Array {
  const c = common(u);
  const m0 = u.m[0]!;
  return u.sample.map((x, k) => finish(head(c, x, m0[k]!), k, c, u.noise));
}

export function secondOrderUpdate(u: DpmUpdate): Float32Array {
  const c = common(u);
  const [m0, m1] = [u.m[0]!, u.m[1]!];
  const invR0 = f(1 / f(f(u.s[0]!.lambda - u.s[1]!.lambda) / c.h));
  const half = f(0.5 * c.d0);
  return u.sample.map((x, k) => {
    const d1 = f(invR0 * f(m0[k]! - m1[k]!));
    const base = c.sde ? f(head(c, x, m0[k]!) + f(half * d1)) : f(head(c, x, m0[k]!)) - f(half * d1);
    return finish(base, k, c, u.noise);
  });
}

export function thirdOrderUpdate(u: DpmUpdate): Float32Array {
  const c = common(u);
  const [m0, m1, m2] = [u.m[0]!, u.m[1]!, u.m[2]!];
  const [s0, s1, s2] = [u.s[0]!, u.s[1]!, u.s[2]!];
  const r0 = f(f(s0.lambda - s1.lambda) / c.h);
  const r1 = f(f(s1.lambda - s2.lambda) / c.h);
  const [inv0, inv1, sum] = [f(1 / r0), f(1 / r1), f(r0 + r1)];
  const mix = f(r0 / sum);
  const invSum = f(1 / sum);
  const { alpha } = u.t;
  let c1: number;
  let c2: number;
  if (u.noise === undefined) {
    const em1 = f(f(Math.exp(-c.h)) - 1);
    c1 = f(alpha * f(f(em1 / c.h) + 1));
    c2 = f(alpha * f(f(f(em1 + c.h) / f(c.h * c.h)) - 0.5));
  } else {
    const twoH = f(2 * c.h);
    const oneMinus = f(1 - c.e2);
    c1 = f(alpha * f(f(oneMinus / f(-2 * c.h)) + 1));
    c2 = f(alpha * f(f(f(oneMinus - twoH) / f(twoH * twoH)) - 0.5));
  }
  return u.sample.map((x, k) => {
    const d10 = f(inv0 * f(m0[k]! - m1[k]!));
    const d11 = f(inv1 * f(m1[k]! - m2[k]!));
    const d1 = f(d10 + f(mix * f(d10 - d11)));
    const d2 = f(invSum * f(d10 - d11));
    const withD1 = f(f(head(c, x, m0[k]!)) + f(c1 * d1));
    const base = c.sde ? f(withD1 + f(c2 * d2)) : withD1 - f(c2 * d2);
    return finish(base, k, c, u.noise);
  });
}
