/**
 * UniPC (Zhao et al. 2023, arXiv:2302.04867) as ComfyUI drives it (comfy/extra_samplers/uni_pc.py
 * `sample_unipc`, `UniPC.multistep_uni_pc_bh_update`, `UniPC.sample`): data prediction, B(h) = h (`uni_pc`, "bh1")
 * or e^h − 1 (`uni_pc_bh2`),
 * multistep of order min(3, steps − 1) with lower orders at the start and the end, a corrector after every
 * step but the last, the final σ 0 replaced by 0.001. The state is VP-scaled, x / sqrt(1 + σ²).
 *
 * ComfyUI evaluates the noise-schedule functions (α, σ_VP and λ of σ) on float32 tensors, and near σ = 0.001
 * they lose most of their digits to cancellation; we round each of their operations to float32 the same way,
 * because the final step depends on them at the 1e-3 level.
 */
import { combine } from '../tensor.ts';
import type { Denoiser } from '../denoiser.ts';
import type { Sampler } from './types.ts';
import { expSleefF32 as exp, logSleefF32 as log } from '../../rng/index.ts';

const f = Math.fround;
const logMeanCoeff = (s: number): number => f(0.5 * log(f(1 / f(f(s * s) + 1))));
const alphaOf = (s: number): number => exp(logMeanCoeff(s));
const stdOf = (s: number): number => f(Math.sqrt(f(1 - exp(f(2 * logMeanCoeff(s))))));
const lambdaOf = (s: number): number => {
  const lmc = logMeanCoeff(s);
  return f(lmc - f(0.5 * log(f(1 - exp(f(2 * lmc))))));
};

/** Solves the small dense system A·x = b (order ≤ 3) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row.slice(0, n), b[i] as number]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const k = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= n; j++) m[r]![j]! -= k * m[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let j = r + 1; j < n; j++) s -= m[r]![j]! * x[j]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

type Variant = 'bh1' | 'bh2';

interface History {
  models: Float32Array[];
  times: number[];
}

/** The data prediction at VP state `x`: ComfyUI goes through ε, (x − σ_VP·ε)/α, which equals the denoiser's x0. */
async function dataPrediction(model: Denoiser, x: Float32Array, s: number): Promise<Float32Array> {
  const scale = Math.sqrt(s * s + 1);
  const input = x.map((v) => v * scale);
  const eps = combine([1 / s, input], [-1 / s, await model(input, s)]);
  return combine([1 / alphaOf(s), x], [-stdOf(s) / alphaOf(s), eps]);
}

/** One predictor(-corrector) step from the last time in `history` to `t`; returns the new state and model value. */
async function update(
  model: Denoiser,
  x: Float32Array,
  history: History,
  t: number,
  order: number,
  useCorrector: boolean,
  variant: Variant,
): Promise<{ x: Float32Array; modelT?: Float32Array }> {
  const t0 = history.times[history.times.length - 1] as number;
  const m0 = history.models[history.models.length - 1] as Float32Array;
  const h = f(lambdaOf(t) - lambdaOf(t0));
  const rks: number[] = [];
  const d1s: Float32Array[] = [];
  for (let i = 1; i < order; i++) {
    const rk = f(f(lambdaOf(history.times[history.times.length - 1 - i] as number) - lambdaOf(t0)) / h);
    rks.push(rk);
    d1s.push(combine([1 / rk, history.models[history.models.length - 1 - i] as Float32Array], [-1 / rk, m0]));
  }
  rks.push(1);
  const hh = -h;
  const hPhi1 = Math.expm1(hh);
  let hPhiK = hPhi1 / hh - 1;
  let factorial = 1;
  const bh = variant === 'bh1' ? hh : hPhi1;
  const R: number[][] = [];
  const b: number[] = [];
  for (let i = 1; i <= order; i++) {
    R.push(rks.map((r) => r ** (i - 1)));
    b.push((hPhiK * factorial) / bh);
    factorial *= i + 1;
    hPhiK = hPhiK / hh - 1 / factorial;
  }
  const alphaT = alphaOf(t);
  const base = combine([stdOf(t) / stdOf(t0), x], [-alphaT * hPhi1, m0]);
  let predictor = base;
  if (d1s.length > 0) {
    const rhosP =
      order === 2
        ? [0.5]
        : solve(
            R.slice(0, -1).map((row) => row.slice(0, -1)),
            b.slice(0, -1),
          );
    predictor = combine([1, base], ...d1s.map((d, k) => [-alphaT * bh * (rhosP[k] as number), d] as const));
  }
  if (!useCorrector) return { x: predictor };
  const rhosC = order === 1 ? [0.5] : solve(R, b);
  const modelT = await dataPrediction(model, predictor, t);
  const last = rhosC[rhosC.length - 1] as number;
  const corrected = combine(
    [1, base],
    ...d1s.map((d, k) => [-alphaT * bh * (rhosC[k] as number), d] as const),
    [-alphaT * bh * last, modelT],
    [alphaT * bh * last, m0],
  );
  return { x: corrected, modelT };
}

const uniPcVariant =
  (variant: Variant): Sampler =>
  async (model, x, sigmas, run) => {
    const times = sigmas.map((s, i) => (i === sigmas.length - 1 && s === 0 ? 0.001 : s));
    const steps = times.length - 1;
    const order = Math.min(3, times.length - 2);
    let xv: Float32Array = x.map((v) => v / Math.sqrt(1 + (times[0] as number) ** 2));
    const history: History = { models: [], times: [] };
    for (let stepIndex = 0; stepIndex < steps; stepIndex++) {
      if (stepIndex === 0) {
        history.models = [await dataPrediction(model, xv, times[0] as number)];
        history.times = [times[0] as number];
      } else if (stepIndex < order) {
        const t = times[stepIndex] as number;
        const result = await update(model, xv, history, t, stepIndex, true, variant);
        xv = result.x;
        history.models.push(result.modelT ?? (await dataPrediction(model, xv, t)));
        history.times.push(t);
      } else {
        const last = stepIndex === steps - 1 ? stepIndex + 1 : stepIndex;
        for (let step = stepIndex; step <= last; step++) {
          const t = times[step] as number;
          const result = await update(model, xv, history, t, Math.min(order, steps + 1 - step), step !== steps, variant);
          xv = result.x;
          history.times = [...history.times.slice(1, order), t];
          history.models = [...history.models.slice(1, order), history.models[order - 1] as Float32Array];
          if (step < steps) history.models[order - 1] = result.modelT ?? (await dataPrediction(model, xv, t));
        }
      }
      await run.onStep(stepIndex, history.models[history.models.length - 1] as Float32Array);
    }
    const alphaLast = alphaOf(times[steps] as number);
    return xv.map((v) => v / alphaLast);
  };

export const uniPc = uniPcVariant('bh1');
export const uniPcBh2 = uniPcVariant('bh2');
