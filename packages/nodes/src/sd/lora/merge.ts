/**
 * LoRA merge arithmetic (SD-ONNX-FACTS §2.3; kohya `networks/merge_lora.py` "W <- W + U * D",
 * diffusers `LoRALinearLayer`): for strength m and factors down `[r, in]`, up `[out, r]`,
 *   ΔW = m · scale · (up @ down),   scale = alpha / r if the file stores alpha, else 1,
 * added to W in the layout the ONNX initializer uses: `[out, in]` (Gemm transB=1, Conv 1×1 as
 * `[out, in, 1, 1]`) or transposed `[in, out]` (constant-folded MatMul). Several LoRAs add their
 * deltas to the same base (the sum is accumulated in float64, rounded to float32 once).
 */
import type { WeightLayout } from './map-onnx.ts';

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
  if (dims.length !== 2) throw new Error(`weight of rank ${dims.length} cannot take a linear LoRA`);
  return layout === 'in_out' ? [dims[1]!, dims[0]!] : [dims[0]!, dims[1]!];
}

/** Rank, in and out of a factor pair; throws with `what` in the message when shapes disagree. */
export function factorDims(f: LoraFactors, what: string): { rank: number; inF: number; outF: number } {
  const rank = f.downShape[0]!;
  const inF = f.downShape.slice(1).reduce((a, b) => a * b, 1);
  const outF = f.upShape[0]!;
  const upRank = f.upShape.slice(1).reduce((a, b) => a * b, 1);
  if (f.downShape.length === 4 && (f.downShape[2] !== 1 || f.downShape[3] !== 1)) {
    throw new Error(`${what}: ${f.downShape[2]}×${f.downShape[3]} convolution LoRA (LoCon) is not supported`);
  }
  if (upRank !== rank) throw new Error(`${what}: up ${JSON.stringify(f.upShape)} does not match down ${JSON.stringify(f.downShape)}`);
  return { rank, inF, outF };
}

/** The LoRA scale without user strength: alpha / rank, or 1 when no alpha is stored (alpha 0 → 1, as kohya). */
export function loraScale(f: LoraFactors): number {
  const rank = f.downShape[0]!;
  return f.alpha === undefined || f.alpha === 0 ? 1 : f.alpha / rank;
}

/**
 * Adds `coef · (up @ down)` to `acc`, a float64 accumulator in the target's layout.
 * `outF × inF` must equal the target's `[out, in]`. For the transposed `[in, out]` layout the
 * product is formed as `downᵀ @ upᵀ` so every write is contiguous (the factors are small to transpose).
 */
export function accumulateDelta(acc: Float64Array, layout: WeightLayout, f: LoraFactors, coef: number, outF: number, inF: number): void {
  const rank = f.downShape[0]!;
  if (layout === 'in_out') addProduct(acc, transpose(f.down, rank, inF), transpose(f.up, outF, rank), inF, rank, outF, coef);
  else addProduct(acc, f.up, f.down, outF, rank, inF, coef);
}

/** acc[m, n] += coef · a[m, k] @ b[k, n] (row-major). */
function addProduct(acc: Float64Array, a: Float32Array, b: Float32Array, m: number, k: number, n: number, coef: number): void {
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let r = 0; r < k; r++) {
      const av = a[i * k + r]! * coef;
      if (av === 0) continue;
      const col = r * n;
      for (let j = 0; j < n; j++) acc[row + j]! += av * b[col + j]!;
    }
  }
}

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!;
  return out;
}

/** `base + delta`, rounded to float32 (a new array; `base` is left untouched for later switches). */
export function applyDelta(base: Float32Array, delta: Float64Array): Float32Array {
  const out = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) out[i] = base[i]! + delta[i]!;
  return out;
}
