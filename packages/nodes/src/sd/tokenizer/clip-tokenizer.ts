/**
 * CLIP BPE tokenizer (SD1.x `tokenizer/`, SDXL `tokenizer/` and `tokenizer_2/`), exact against the real
 * 49,408-token vocabulary and usable with small trained vocabularies in the same file format.
 *
 * Pipeline (transformers `convert_slow_tokenizer.py` `CLIPConverter` for the fast
 * tokenizer, openai/CLIP `simple_tokenizer.py` for the original):
 * 1. Normalise like the fast tokenizer: Unicode NFC, every run of whitespace → one space, lowercase.
 *    The slow transformers tokenizer and openai/CLIP run `ftfy.fix_text` instead of NFC (openai also
 *    `html.unescape`s twice). They therefore also repair mojibake and turn curly quotes into straight
 *    ones (“ ” ‘ ’ → " '), and U+0085 becomes "…". Plain prompts give the same ids either way; those
 *    repairs are the cases where we differ (we keep the text as written, like the fast tokenizer).
 * 2. Split out the literal special tokens `<|startoftext|>` / `<|endoftext|>`, then pre-tokenise the
 *    rest with CLIP's pattern `'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`. Letters group
 *    into words, every digit is its own word, punctuation runs group, whitespace is dropped.
 * 3. Byte-level encode each word, run BPE ({@link BytePairEncoder}), look the symbols up in the vocab
 *    (unknown symbols → unk id, which only happens with small vocabularies).
 */
import { BytePairEncoder } from './bpe.ts';
import { fromByteLevel, toByteLevel } from './byte-level.ts';
import { readTokenizerDir, resolveSpecials, type TokenizerParts } from './tokenizer-files.ts';
import { LoomError } from '@loom/engine';

const PRETOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/gu;

/** Options of {@link ClipTokenizer.encodePadded}. */
export interface PadOptions {
  /** Total length including bos/eos (default: the tokenizer's `maxLength`, 77 for SD). */
  length?: number;
}

/** A CLIP tokenizer loaded from vocab + merges; ids of special tokens come from the files. */
export class ClipTokenizer {
  /** `<|startoftext|>` id (49406 in the real vocab). */
  readonly bosId: number;
  /** `<|endoftext|>` id (49407 in the real vocab). */
  readonly eosId: number;
  /** Padding id: the eos id for SD1.x/SDXL `tokenizer`, 0 (`!`) for SDXL `tokenizer_2`. */
  readonly padId: number;
  /** Id for symbols missing from the vocab. */
  readonly unkId: number;
  /** `model_max_length` (77): bos + 75 tokens + eos. */
  readonly maxLength: number;
  /** Number of vocabulary entries. */
  readonly vocabSize: number;

  private readonly vocab: Map<string, number>;
  private readonly idToToken: Map<number, string>;
  private readonly bpe: BytePairEncoder;
  private readonly specials: Map<string, number>;

  private constructor(parts: TokenizerParts) {
    this.vocab = new Map(Object.entries(parts.vocab));
    this.idToToken = new Map([...this.vocab].map(([token, id]) => [id, token]));
    this.vocabSize = this.vocab.size;
    this.bpe = new BytePairEncoder(parts.merges);
    const names = resolveSpecials(parts.config, parts.specialTokensMap);
    const idOf = (token: string, role: string): number => {
      const id = this.vocab.get(token);
      if (id === undefined) throw new LoomError('UNSUPPORTED_MODEL', `CLIP tokenizer: ${role} token ${JSON.stringify(token)} is not in vocab.json`);
      return id;
    };
    this.bosId = idOf(names.bos, 'bos');
    this.eosId = idOf(names.eos, 'eos');
    this.padId = idOf(names.pad, 'pad');
    this.unkId = idOf(names.unk, 'unk');
    this.maxLength = names.maxLength;
    this.specials = new Map([
      [names.bos, this.bosId],
      [names.eos, this.eosId],
    ]);
  }

  /** Load `vocab.json`, `merges.txt`, and (if present) `tokenizer_config.json`, `special_tokens_map.json`. */
  static async fromDir(dir: string): Promise<ClipTokenizer> {
    return new ClipTokenizer(await readTokenizerDir(dir));
  }

  /** Build from already-read parts (e.g. SDXL `tokenizer_2` config with the shared SD vocab). */
  static fromParts(parts: TokenizerParts): ClipTokenizer {
    return new ClipTokenizer(parts);
  }

  /** The fast tokenizer's normaliser: NFC, whitespace runs → one space, trimmed, lowercase. */
  static normalize(text: string): string {
    return text.normalize('NFC').replace(/\s+/gu, ' ').trim().toLowerCase();
  }

  /** BPE symbols (vocab strings such as `"cat</w>"`) of `text`, without bos/eos. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const piece of this.splitSpecials(ClipTokenizer.normalize(text))) {
      if (typeof piece === 'number') {
        out.push(this.idToToken.get(piece)!);
        continue;
      }
      for (const match of piece.matchAll(PRETOKENIZE)) out.push(...this.bpe.encodeWord(toByteLevel(match[0])));
    }
    return out;
  }

  /** Token ids of `text` without bos/eos and without truncation. */
  encode(text: string): number[] {
    return this.tokenize(text).map((symbol) => this.vocab.get(symbol) ?? this.unkId);
  }

  /**
   * `[bos] + ids + [eos]`, truncated so eos stays last and padded with {@link padId} — what diffusers gets
   * from `tokenizer(text, padding="max_length", max_length=77, truncation=True)`.
   */
  encodePadded(text: string, options: PadOptions = {}): number[] {
    return this.wrap(this.encode(text), options.length ?? this.maxLength);
  }

  /** Wrap already-encoded ids: `[bos] + ids[:length-2] + [eos]`, then pad to `length`. */
  wrap(ids: readonly number[], length: number = this.maxLength): number[] {
    if (length < 2) throw new RangeError(`padded length must be at least 2, got ${length}`);
    const body = ids.slice(0, length - 2);
    const out = [this.bosId, ...body, this.eosId];
    while (out.length < length) out.push(this.padId);
    return out;
  }

  /** Id of one vocabulary entry (e.g. `",</w>"`), or undefined. */
  tokenToId(symbol: string): number | undefined {
    return this.vocab.get(symbol);
  }

  /** Text of ids (byte-level decoded, `</w>` → space), for debugging and previews. */
  decode(ids: readonly number[]): string {
    const symbols = ids.map((id) => this.idToToken.get(id) ?? '');
    return fromByteLevel(symbols.join('')).replaceAll('</w>', ' ').trim();
  }

  private splitSpecials(text: string): Array<string | number> {
    const pieces: Array<string | number> = [];
    let rest = text;
    for (;;) {
      let first: { at: number; token: string; id: number } | undefined;
      for (const [token, id] of this.specials) {
        const at = rest.indexOf(token);
        if (at >= 0 && (first === undefined || at < first.at)) first = { at, token, id };
      }
      if (first === undefined) break;
      pieces.push(rest.slice(0, first.at), first.id);
      rest = rest.slice(first.at + first.token.length);
    }
    pieces.push(rest);
    return pieces;
  }
}
