/**
 * Linear multistep (k-diffusion sampling.py `sample_lms`, order 4): x advances by Σ_j c_j·d_{i−j}, with c_j the
 * integral over [σ_i, σ_{i+1}] of the Lagrange basis polynomial through the last `order` σ. k-diffusion integrates
 * with scipy's `quad`; the integrand is a polynomial of degree < 4, so 3-point Gauss–Legendre is exact.
 */
import { combine, toD } from '../tensor.ts';
import { eachStep, type Sampler } from './types.ts';

const GAUSS = [
  [-Math.sqrt(3 / 5), 5 / 9],
  [0, 8 / 9],
  [Math.sqrt(3 / 5), 5 / 9],
] as const;

function lmsCoefficient(order: number, t: readonly number[], i: number, j: number): number {
  const basis = (tau: number): number => {
    let product = 1;
    for (let k = 0; k < order; k++) {
      if (k !== j) product *= (tau - (t[i - k] as number)) / ((t[i - j] as number) - (t[i - k] as number));
    }
    return product;
  };
  const a = t[i] as number;
  const b = t[i + 1] as number;
  const half = (b - a) / 2;
  const centre = (a + b) / 2;
  return GAUSS.reduce((sum, [node, weight]) => sum + weight * basis(centre + half * node), 0) * half;
}

export const lms: Sampler = (model, x, sigmas, run) => {
  const order = 4;
  const ds: Float32Array[] = []; // newest first
  return eachStep(model, x, sigmas, run, (x, { i, sigma, denoised }) => {
    ds.unshift(toD(x, sigma, denoised));
    if (ds.length > order) ds.pop();
    const current = Math.min(i + 1, order);
    return combine([1, x], ...ds.map((d, j) => [lmsCoefficient(current, sigmas, i, j), d] as const));
  });
};
