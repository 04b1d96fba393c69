/**
 * A1111 prompt-emphasis syntax, with the semantics of AUTOMATIC1111 `modules/prompt_parser.py`
 * `parse_prompt_attention` (re-derived, not copied):
 * - `(text)` multiplies the weight of everything inside by 1.1, `[text]` divides it by 1.1, nesting multiplies;
 * - `(text:1.3)` multiplies by the given number instead (whitespace allowed around it);
 * - `\(` `\)` `\[` `\]` `\\` are literal characters; a lone `\` is dropped;
 * - a bracket left open at the end still applies to everything after it; a `)` or `]` without an opener
 *   is literal text;
 * - the keyword `BREAK` (a whole word, upper case) starts a new 75-token chunk. It is emitted as the fragment
 *   `{ text: 'BREAK', weight: -1 }`, exactly like A1111. As in A1111, a BREAK inside brackets gets its weight
 *   multiplied and then no longer counts as a break (it becomes the word "break" with that weight).
 * Adjacent fragments of equal weight are merged; an empty prompt gives `[{ text: '', weight: 1 }]`.
 * Weights are multiplied in the same order as A1111, so they are equal to its floats bit for bit.
 */
import { LoomError } from '@loom/engine';

/** One piece of prompt text with its emphasis weight (1 = neutral). */
export interface PromptFragment {
  text: string;
  weight: number;
}

/** The weight A1111 gives a BREAK marker. */
export const BREAK_WEIGHT = -1;

/** True for the BREAK marker fragment. */
export function isBreak(fragment: PromptFragment): boolean {
  return fragment.text === 'BREAK' && fragment.weight === BREAK_WEIGHT;
}

const ROUND = 1.1;
const SQUARE = 1 / 1.1;
// Alternatives in A1111's order: escapes, a lone backslash, openers, ":number)" closer, closers, text, ":".
const ATTENTION = /\\\(|\\\)|\\\[|\\]|\\\\|\\|\(|\[|:\s*([+-]?[.\d]+)\s*\)|\)|]|[^\\()[\]:]+|:/g;
const BREAK_SPLIT = /\s*\bBREAK\b\s*/;
const PYTHON_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/** Parse A1111 emphasis syntax into weighted fragments (see module doc). */
export function parsePromptAttention(prompt: string): PromptFragment[] {
  const res: PromptFragment[] = [];
  const round: number[] = [];
  const square: number[] = [];
  const multiplyFrom = (start: number, factor: number): void => {
    for (let p = start; p < res.length; p++) res[p]!.weight *= factor;
  };

  for (const match of prompt.matchAll(ATTENTION)) {
    const token = match[0];
    const weight = match[1];
    if (token.startsWith('\\')) {
      res.push({ text: token.slice(1), weight: 1 });
    } else if (token === '(') {
      round.push(res.length);
    } else if (token === '[') {
      square.push(res.length);
    } else if (weight !== undefined && round.length > 0) {
      multiplyFrom(round.pop()!, parseWeight(weight));
    } else if (token === ')' && round.length > 0) {
      multiplyFrom(round.pop()!, ROUND);
    } else if (token === ']' && square.length > 0) {
      multiplyFrom(square.pop()!, SQUARE);
    } else {
      token.split(BREAK_SPLIT).forEach((part, i) => {
        if (i > 0) res.push({ text: 'BREAK', weight: BREAK_WEIGHT });
        res.push({ text: part, weight: 1 });
      });
    }
  }
  for (const start of round) multiplyFrom(start, ROUND);
  for (const start of square) multiplyFrom(start, SQUARE);
  if (res.length === 0) return [{ text: '', weight: 1 }];

  const merged: PromptFragment[] = [res[0]!];
  for (const fragment of res.slice(1)) {
    const last = merged[merged.length - 1]!;
    if (last.weight === fragment.weight) last.text += fragment.text;
    else merged.push(fragment);
  }
  return merged;
}

function parseWeight(text: string): number {
  // A1111 calls Python's float(); a malformed number like "1.2.3" is an error there too.
  if (!PYTHON_FLOAT.test(text)) throw new LoomError('PARAM_INVALID', `prompt: invalid emphasis weight "${text}" (write e.g. (word:1.2))`);
  return Number(text);
}
