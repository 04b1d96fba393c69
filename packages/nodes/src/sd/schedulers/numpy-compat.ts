/**
 * The few numpy routines diffusers' `set_timesteps` relies on, with numpy's exact semantics (its quirks
 * decide which timesteps a schedule has): banker's rounding, float `arange` length and fill, `linspace`,
 * `interp`.
 */

/** `np.round` for one value: round half to even (0.5 → 0, 1.5 → 2, 812.5 → 812). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * `np.arange(start, stop, step)` for floats: length `ceil((stop - start) / step)`; values `start + i*delta`
 * with `delta = (start + step) - start` (numpy's fill). With start 1000 and step -1000/61 this yields 62
 * values, and diffusers' "trailing" spacing really returns 62 timesteps for 61 steps.
 */
export function npArange(start: number, stop: number, step: number): number[] {
  const length = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  return Array.from({ length }, (_, i) => start + i * delta);
}

/** `np.linspace(start, stop, num, endpoint)` in float64: `i * (delta/div) + start`, last value exact. */
export function npLinspace(start: number, stop: number, num: number, endpoint = true): number[] {
  const div = endpoint ? num - 1 : num;
  const step = (stop - start) / div;
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

/** `np.interp(x, arange(fp.length), fp)`: piecewise-linear lookup at fractional index x (clamped). */
export function interpAtIndex(x: number, fp: ArrayLike<number>): number {
  const last = fp.length - 1;
  if (x <= 0) return fp[0]!;
  if (x >= last) return fp[last]!;
  const j = Math.floor(x);
  const slope = (fp[j + 1]! - fp[j]!) / 1;
  return slope * (x - j) + fp[j]!;
}
