/**
 * A1111's bare-word embeddings: a prompt names an embedding when its tokens spell the tokens of an embedding
 * file's stem (modules/textual_inversion/textual_inversion.py `EmbeddingDatabase`: `ids_lookup` maps a
 * name's first token to its token sequences, longest first, and `find_embedding_at_position` takes the first
 * that the prompt's tokens continue). Matching by tokens makes it case-insensitive (CLIP lower-cases) and
 * whole-word ("tinycats" is not "tinycat"), and a word with no file stays plain text.
 */
import { isBreak, parsePromptAttention, type ChunkTokenizer, type EmbeddingMatcher } from '../prompt/index.ts';

interface Candidate {
  readonly ids: readonly number[];
  readonly name: string;
}

/** The token sequences of a set of embedding names, for one tokenizer. */
export class A1111Names {
  private readonly lookup = new Map<number, Candidate[]>();

  constructor(names: Iterable<string>, tokenizer: Pick<ChunkTokenizer, 'encode'>) {
    for (const name of names) {
      const ids = tokenizer.encode(name);
      if (ids.length === 0) continue;
      const list = this.lookup.get(ids[0]!) ?? [];
      list.push({ ids, name });
      this.lookup.set(ids[0]!, list);
    }
    for (const list of this.lookup.values()) list.sort((a, b) => b.ids.length - a.ids.length);
  }

  /** The embedding whose name starts at `position` of `tokens`, and how many tokens it covers. */
  find(tokens: readonly number[], position: number): Candidate | undefined {
    return this.lookup.get(tokens[position]!)?.find((c) => c.ids.every((id, i) => tokens[position + i] === id));
  }

  /** The names a prompt uses, scanning as the chunker will (a match skips the tokens it covers). */
  used(prompt: string, tokenizer: Pick<ChunkTokenizer, 'encode'>): string[] {
    const found = new Set<string>();
    if (this.lookup.size === 0) return [];
    for (const fragment of parsePromptAttention(prompt)) {
      if (isBreak(fragment)) continue;
      const tokens = tokenizer.encode(fragment.text);
      for (let p = 0; p < tokens.length;) {
        const match = this.find(tokens, p);
        if (match) found.add(match.name);
        p += match?.ids.length ?? 1;
      }
    }
    return [...found];
  }

  /** A matcher for the chunker, knowing each loaded embedding's vector count. */
  matcher(rows: ReadonlyMap<string, number>): EmbeddingMatcher {
    return {
      match: (tokens, position) => {
        const c = this.find(tokens, position);
        const n = c && rows.get(c.name);
        return c && n ? { name: c.name, tokens: c.ids.length, rows: n } : undefined;
      },
    };
  }
}
