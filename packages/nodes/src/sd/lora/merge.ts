/**
 * LoRA merge arithmetic (kohya `networks/merge_lora.py` "W <- W + U * D",
 * diffusers `LoRALinearLayer`): for strength m and factors down `[r, in]`, up `[out, r]`,
 *   ΔW = m · scale · (up @ down),   scale = alpha / r if the file stores alpha, else 1,
 * added to W in the layout the ONNX initializer uses: `[out, in]` (Gemm transB=1, Conv 1×1 as
 * `[out, in, 1, 1]`) or transposed `[in, out]` (constant-folded MatMul). Several LoRAs add their
 * deltas to the same base: their ranks are stacked into one product (see {@link stackFactors}),
 * which the branches (`lora-branches.ts`) feed as their factors.
 */
import type { WeightLayout } from './map-onnx.ts';
import { LoomError } from '@loom/engine';

/** One LoRA module's factors, as float32 arrays with their shapes. */
export interface LoraFactors {
  readonly down: Float32Array;
  readonly downShape: readonly number[];
  readonly up: Float32Array;
  readonly upShape: readonly number[];
  readonly alpha?: number;
}

/** `[out, in]` of a target weight from its ONNX dims and layout (Conv must be 1×1). */
export function targetOutIn(dims: readonly number[], layout: WeightLayout): [number, number] {
  if (layout === 'conv') return [dims[0]!, dims.slice(1).reduce((a, b) => a * b, 1)];
  if (dims.length !== 2) throw new LoomError('BAD_FILE', `weight of rank ${dims.length} cannot take a linear LoRA`);
  return layout === 'in_out' ? [dims[1]!, dims[0]!] : [dims[0]!, dims[1]!];
}

/** Rank, in and out of a factor pair; throws with `what` in the message when shapes disagree. */
export function factorDims(f: LoraFactors, what: string): { rank: number; inF: number; outF: number } {
  const rank = f.downShape[0]!;
  const inF = f.downShape.slice(1).reduce((a, b) => a * b, 1);
  const outF = f.upShape[0]!;
  const upRank = f.upShape.slice(1).reduce((a, b) => a * b, 1);
  if (f.downShape.length === 4 && (f.downShape[2] !== 1 || f.downShape[3] !== 1)) {
    throw new LoomError('BAD_FILE', `${what}: ${f.downShape[2]}×${f.downShape[3]} convolution LoRA (LoCon) is not supported`);
  }
  if (upRank !== rank) throw new LoomError('BAD_FILE', `${what}: up ${JSON.stringify(f.upShape)} does not match down ${JSON.stringify(f.downShape)}`);
  return { rank, inF, outF };
}

/** The LoRA scale without user strength: alpha / rank, or 1 when no alpha is stored (alpha 0 → 1, as kohya). */
export function loraScale(f: LoraFactors): number {
  const rank = f.downShape[0]!;
  return f.alpha === undefined || f.alpha === 0 ? 1 : f.alpha / rank;
}

/** One LoRA module's contribution to a weight: its factors and `strength · scale`. */
export interface ScaledFactors {
  readonly factors: LoraFactors;
  readonly coef: number;
}

/**
 * Stacks the factors of every LoRA touching one weight into a single product `a @ b` (`[m, R] @
 * [R, n]`, R = the sum of ranks) equal to Σ coef·ΔW in the target's layout:
 * `[out, in]`: a = [coef·up₁ | coef·up₂ …], b = [down₁; down₂ …];
 * `[in, out]`: a = [down₁ᵀ | down₂ᵀ …],     b = [coef·up₁ᵀ; coef·up₂ᵀ …].
 * Stacking ranks is exact: (Σ U_k D_k) = [U_1 … U_K]·[D_1; …; D_K].
 */
export function stackFactors(
  layout: WeightLayout,
  items: readonly ScaledFactors[],
  outF: number,
  inF: number,
): { a: Float32Array; b: Float32Array; m: number; r: number; n: number } {
  const transposed = layout === 'in_out';
  const [m, n] = transposed ? [inF, outF] : [outF, inF];
  const r = items.reduce((s, it) => s + it.factors.downShape[0]!, 0);
  const a = new Float32Array(m * r);
  const b = new Float32Array(r * n);
  let r0 = 0;
  for (const { factors: f, coef } of items) {
    const rank = f.downShape[0]!;
    for (let k = 0; k < rank; k++) {
      const row = (r0 + k) * n;
      if (transposed) {
        for (let i = 0; i < inF; i++) a[i * r + r0 + k] = f.down[k * inF + i]!;
        for (let o = 0; o < outF; o++) b[row + o] = coef * f.up[o * rank + k]!;
      } else {
        for (let o = 0; o < outF; o++) a[o * r + r0 + k] = coef * f.up[o * rank + k]!;
        b.set(f.down.subarray(k * inF, (k + 1) * inF), row);
      }
    }
    r0 += rank;
  }
  return { a, b, m, r, n };
}
