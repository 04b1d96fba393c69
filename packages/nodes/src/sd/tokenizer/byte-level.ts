/**
 * GPT-2/CLIP byte-level alphabet (`bytes_to_unicode` in openai/CLIP `clip/simple_tokenizer.py` and
 * transformers `models/clip/tokenization_clip.py`): every byte maps to one printable unicode character, so
 * BPE can run on strings. Printable latin-1 bytes (`!`..`~`, `¡`..`¬`, `®`..`ÿ`) map to themselves; the other
 * 68 bytes map to U+0100, U+0101, … in byte order.
 */

function buildByteToChar(): string[] {
  const table: string[] = new Array<string>(256);
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCodePoint(printable(b) ? b : 256 + next++);
  }
  return table;
}

const BYTE_TO_CHAR = buildByteToChar();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 encode `text` and spell each byte with its byte-level character. */
export function toByteLevel(text: string): string {
  let out = '';
  for (const byte of utf8.encode(text)) out += BYTE_TO_CHAR[byte]!;
  return out;
}

/** Inverse of {@link toByteLevel}; invalid UTF-8 becomes U+FFFD (transformers: `errors="replace"`). */
export function fromByteLevel(chars: string): string {
  const bytes: number[] = [];
  for (const c of chars) {
    const b = CHAR_TO_BYTE.get(c);
    if (b !== undefined) bytes.push(b);
  }
  return utf8Decoder.decode(new Uint8Array(bytes));
}
