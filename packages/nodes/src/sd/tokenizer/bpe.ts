/**
 * Byte-pair encoding of one pre-tokenized word, as openai/CLIP `simple_tokenizer.py` `SimpleTokenizer.bpe`
 * and transformers `CLIPTokenizer.bpe` do it: the word's last symbol carries the `</w>` end-of-word suffix,
 * then the lowest-ranked adjacent pair is merged everywhere (left to right) until no pair has a rank.
 */
import { LoomError } from '@loom/engine';

const END_OF_WORD = '</w>';

/** A merge table plus a per-word result cache (prompts repeat words a lot). */
export class BytePairEncoder {
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();

  /** @param merges merge rules in priority order, each `"left right"`. */
  constructor(
    merges: readonly string[],
    private readonly maxCacheEntries = 10_000,
  ) {
    merges.forEach((rule, rank) => {
      const parts = rule.split(' ');
      if (parts.length !== 2) throw new LoomError('BAD_FILE', `bad merge rule ${JSON.stringify(rule)} at rank ${rank}`);
      const key = pairKey(parts[0]!, parts[1]!);
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
    });
  }

  /** Number of merge rules. */
  get size(): number {
    return this.ranks.size;
  }

  /** BPE symbols of a byte-level word (no `</w>` on input; the last output symbol ends with `</w>`). */
  encodeWord(word: string): string[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const result = this.merge(word);
    if (this.cache.size >= this.maxCacheEntries) this.cache.clear();
    this.cache.set(word, result);
    return result;
  }

  private merge(word: string): string[] {
    const chars = [...word];
    if (chars.length === 0) return [];
    let symbols = [...chars.slice(0, -1), chars[chars.length - 1]! + END_OF_WORD];
    while (symbols.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.ranks.get(pairKey(symbols[i]!, symbols[i + 1]!));
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const left = symbols[best]!;
      const right = symbols[best + 1]!;
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (symbols[i] === left && symbols[i + 1] === right && i < symbols.length - 1) {
          merged.push(left + right);
          i++;
        } else {
          merged.push(symbols[i]!);
        }
      }
      symbols = merged;
    }
    return symbols;
  }
}

// A separator that cannot occur inside a byte-level symbol (those are printable, non-control characters).
function pairKey(left: string, right: string): string {
  return `${left}\u0000${right}`;
}
