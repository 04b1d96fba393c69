/** Element-wise arithmetic on latents: float32 storage, double arithmetic within one expression. */

/** Σ cᵢ·aᵢ over equally long arrays. */
export function combine(...terms: Array<readonly [number, Float32Array]>): Float32Array {
  const n = terms[0]?.[1].length ?? 0;
  for (const [, a] of terms) if (a.length !== n) throw new RangeError(`combine: lengths ${a.length} and ${n} differ`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const [c, a] of terms) sum += c * (a[i] as number);
    out[i] = sum;
  }
  return out;
}

/** (x − denoised) / σ: k-diffusion's `to_d`, the ODE derivative dx/dσ. */
export function toD(x: Float32Array, sigma: number, denoised: Float32Array): Float32Array {
  return combine([1 / sigma, x], [-1 / sigma, denoised]);
}
