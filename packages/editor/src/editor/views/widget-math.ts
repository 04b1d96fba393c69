/** Numbers for parameter widgets, read from a parameter's JSON Schema (minimum, maximum, multipleOf). */
import type { CatalogParam } from '../../api/types.ts';

export interface NumberSpec {
  integer: boolean;
  min: number | undefined;
  max: number | undefined;
  step: number;
  /** What a slider spans: the whole range, or a useful part of a very wide one. */
  soft: [number, number];
}

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * A wide range (LoRA strengths are declared −100…100, as in ComfyUI) would make a slider useless:
 * past 20 units the slider spans the default ± max(2, 2·|default|), inside the declared range.
 * The number field beside it still takes any value in range.
 */
function softRange(min: number, max: number, fallback: number): [number, number] {
  if (max - min <= 20) return [min, max];
  const span = Math.max(2, 2 * Math.abs(fallback));
  return [Math.max(min, fallback - span), Math.min(max, fallback + span)];
}

export function numberSpec(param: CatalogParam): NumberSpec {
  const s = param.schema;
  const integer = s.type === 'integer';
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Math.abs(v) < SAFE ? v : undefined);
  const min = num(s.minimum) ?? num(s.exclusiveMinimum);
  const max = num(s.maximum) ?? num(s.exclusiveMaximum);
  const soft = softRange(min ?? 0, max ?? 1, num(s.default) ?? ((min ?? 0) + (max ?? 1)) / 2);
  let step = typeof s.multipleOf === 'number' ? s.multipleOf : integer ? 1 : 0.01;
  if (!integer && typeof s.multipleOf !== 'number' && min !== undefined && max !== undefined) {
    // About 200 positions across the slider, rounded down to a power of ten: 0..1 → 0.001, 0..21 → 0.1.
    step = 10 ** Math.floor(Math.log10((soft[1] - soft[0]) / 200));
  }
  return { integer, min, max, step, soft };
}

/** Why a number is not acceptable for this parameter, or null. */
export function numberProblem(value: number, spec: NumberSpec): string | null {
  if (!Number.isFinite(value)) return 'Not a number.';
  if (spec.integer && !Number.isInteger(value)) return 'Must be a whole number.';
  if (spec.min !== undefined && value < spec.min) return `Must be at least ${spec.min}.`;
  if (spec.max !== undefined && value > spec.max) return `Must be at most ${spec.max}.`;
  return null;
}

/** A random seed in the parameter's range (up to 2^53 − 1, the engine's MAX_SEED). */
export function randomSeed(spec: NumberSpec): number {
  const lo = spec.min ?? 0;
  const hi = spec.max ?? SAFE;
  // Two 32-bit draws cover the 53-bit range without the bias of scaling one float.
  const draw = crypto.getRandomValues(new Uint32Array(2)) as Uint32Array;
  const big = (BigInt(draw[0] as number) << 21n) ^ BigInt(draw[1] as number);
  return lo + Number(big % BigInt(hi - lo + 1));
}
