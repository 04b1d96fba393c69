/**
 * Config files written by Python: diffusers saves configs with `json.dumps`, which writes the
 * non-standard tokens `Infinity`, `-Infinity` and `NaN` (a DPM-Solver config's `"lambda_min_clipped":
 * -Infinity`). `JSON.parse` rejects them, so those tokens (outside strings) become the strings
 * "Infinity", "-Infinity" and "NaN" first; the schemas reading the keys decide what they mean.
 * Hand-written: the replacement is one regular expression, not worth a JSON5 dependency.
 */

/** Strings are matched first so that a token inside one is left alone. */
const TOKENS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;

/** `JSON.parse` that also accepts Python's `Infinity`, `-Infinity` and `NaN` (as strings). */
export function parsePythonJson(text: string): unknown {
  return JSON.parse(text.replace(TOKENS, (token) => (token.startsWith('"') ? token : `"${token}"`)));
}
