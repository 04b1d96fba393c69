/**
 * `json.dumps(value)` exactly as Python writes it with its defaults, which is how ComfyUI's SaveImage
 * serialises the `prompt` and `workflow` PNG chunks (nodes.py SaveImage.save_images): separators `", "`
 * and `": "`, `ensure_ascii` (every character outside space…`~` as `\uXXXX`, UTF-16 surrogates as two
 * escapes), keys in insertion order, and floats as Python's `repr` (shortest round-trip digits, exponent
 * form below 1e-4 and from 1e16 on, at least two exponent digits: `1e-05`, `1.5e+16`).
 *
 * One thing cannot be recovered after JSON.parse: whether a whole number was written `7` or `7.0`. Whole
 * numbers are written as integers.
 */

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

function pythonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    for (let i = 0; i < ch.length; i++) {
      const unit = ch.charCodeAt(i);
      const c = ch[i] as string;
      if (SHORT_ESCAPES[c] !== undefined) out += SHORT_ESCAPES[c];
      else if (unit < 0x20 || unit > 0x7e) out += `\\u${unit.toString(16).padStart(4, '0')}`;
      else out += c;
    }
  }
  return `${out}"`;
}

/** Python's float repr from JavaScript's shortest round-trip digits. */
function pythonFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n)) return BigInt(n).toString();
  const [mantissa = '', exp = '0'] = n.toExponential().split('e');
  const exponent = Number(exp);
  // JavaScript writes fixed notation for 1e-6 ≤ |n| < 1e21, which covers Python's fixed range.
  if (exponent >= -4 && exponent < 16) return String(n);
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pythonFloat(value);
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pythonString(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
  }
  return 'null';
}
