/**
 * Reads the text chunks of a PNG in the browser (https://www.w3.org/TR/png-3/#11textinfo): each chunk
 * is a 4-byte big-endian length, a 4-byte type, the data and a CRC. `tEXt` is keyword NUL latin-1 text;
 * `iTXt` is keyword NUL, compression flag, method, language NUL, translated keyword NUL, UTF-8 text.
 * Loom writes `workflow` (native graph), `prompt` (ComfyUI API format) and `parameters` (A1111) as
 * uncompressed iTXt (packages/nodes/src/images/png-text.ts); ComfyUI writes tEXt.
 */

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Keyword → text for every tEXt and uncompressed iTXt chunk. Throws on a file that is not a PNG. */
export function readPngText(bytes: Uint8Array): Record<string, string> {
  if (!isPng(bytes)) throw new Error('Not a PNG file (bad signature).');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8');
  const out: Record<string, string> = {};
  let at = 8;
  while (at < bytes.length) {
    if (at + 12 > bytes.length || at + 12 + view.getUint32(at) > bytes.length) throw new Error('Truncated PNG chunk.');
    const length = view.getUint32(at);
    const type = latin1.decode(bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    at += 12 + length;
    if (type === 'IEND') break;
    const nul = data.indexOf(0);
    if (nul <= 0) continue;
    const keyword = latin1.decode(data.subarray(0, nul));
    if (type === 'tEXt') {
      out[keyword] = latin1.decode(data.subarray(nul + 1));
    } else if (type === 'iTXt' && data[nul + 1] === 0) {
      const language = data.indexOf(0, nul + 3);
      const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
      if (translated >= 0) out[keyword] = utf8.decode(data.subarray(translated + 1));
    }
  }
  return out;
}
