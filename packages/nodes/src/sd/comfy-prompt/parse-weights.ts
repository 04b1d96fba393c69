/**
 * ComfyUI's prompt-weight syntax (comfy/sd1_clip.py `escape_important`, `parse_parentheses`, `token_weights`),
 * which differs from A1111's (sd/prompt/parse-attention.ts):
 * - `(text)` multiplies the weight by 1.1; `(text:1.3)` SETS it to 1.3 (nested groups inside take their own
 *   number, not a product);
 * - only `\(` and `\)` are escapes; `[text]` is plain text, and there is no BREAK;
 * - an unclosed `(` leaves the rest of the prompt as literal text.
 * The number after the last `:` of a group must parse as a Python float, otherwise the colon is text.
 */

/** A run of prompt text with its weight. */
export interface WeightedSegment {
  text: string;
  weight: number;
}

const PY_FLOAT = /^[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|inf(inity)?|nan)$/i;

/** Python's `float(s)` for the forms a prompt plausibly holds, or undefined where Python would raise. */
function pythonFloat(text: string): number | undefined {
  const s = text.trim();
  if (!PY_FLOAT.test(s)) return undefined;
  const lower = s.toLowerCase().replace(/^[+]/, '');
  if (lower.endsWith('nan')) return NaN;
  if (lower.includes('inf')) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(s);
}

/** Top-level parenthesised groups and the text between them. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') {
      if (depth === 0) {
        if (current) out.push(current);
        current = '(';
      } else current += ch;
      depth++;
    } else if (ch === ')') {
      depth--;
      if (depth === 0) {
        out.push(`${current})`);
        current = '';
      } else current += ch;
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}

function segments(text: string, weight: number): WeightedSegment[] {
  return splitTopLevel(text).flatMap((part) => {
    if (part.length < 2 || !part.startsWith('(') || !part.endsWith(')')) return [{ text: part, weight }];
    let inner = part.slice(1, -1);
    let inside = weight * 1.1;
    const colon = inner.lastIndexOf(':');
    const explicit = colon > 0 ? pythonFloat(inner.slice(colon + 1)) : undefined;
    if (explicit !== undefined) {
      inside = explicit;
      inner = inner.slice(0, colon);
    }
    return segments(inner, inside);
  });
}

/** The prompt as weighted segments, escapes resolved (the `\(` / `\)` placeholders are restored after parsing). */
export function parseComfyWeights(prompt: string): WeightedSegment[] {
  const escaped = prompt.replaceAll('\\)', '\0\u0001').replaceAll('\\(', '\0\u0002');
  return segments(escaped, 1).map(({ text, weight }) => ({ text: text.replaceAll('\0\u0001', ')').replaceAll('\0\u0002', '('), weight }));
}
