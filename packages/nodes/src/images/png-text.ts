/**
 * PNG text chunks. sharp writes PNGs but cannot add arbitrary tEXt/iTXt chunks, and the small
 * chunk libraries on npm are unmaintained, so this ~60-line module does it per the PNG spec
 * (https://www.w3.org/TR/png-3/#11iTXt): chunks are length, type, data, CRC-32 of type+data.
 * Like PIL's `PngInfo.add_text` (which ComfyUI and A1111 use), a text that Latin-1 can hold becomes tEXt
 * and anything else iTXt (UTF-8), so every prompt survives and ComfyUI's own chunks come out byte-identical.
 */
import { crc32 } from 'node:zlib';
import { LoomError } from '@loom/engine';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Chunk {
  type: string;
  data: Buffer;
  /** Offset of the chunk's length field. */
  start: number;
  end: number;
}

function* chunks(png: Buffer): Generator<Chunk> {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new LoomError('BAD_FILE', 'Not a PNG file (bad signature).');
  let at = 8;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const end = at + 12 + length;
    if (end > png.length) throw new LoomError('BAD_FILE', 'Truncated PNG chunk.');
    yield { type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length), start: at, end };
    at = end;
  }
}

function encodeChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  return Buffer.concat([head, data, crc]);
}

/** iTXt: keyword, NUL, compression flag 0, method 0, empty language tag, NUL, empty translated keyword, NUL, UTF-8 text. */
function itxt(keyword: string, text: string): Buffer {
  return encodeChunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
}

// PIL encodes with latin-1 "strict": every code point up to U+00FF fits a tEXt chunk.
// eslint-disable-next-line no-control-regex -- the range deliberately starts at U+0000
const LATIN1 = /^[\u0000-\u00ff]*$/;

/** Returns a copy of `png` with the given text entries, in order, inserted right after IHDR. */
export function addPngText(png: Buffer, entries: Record<string, string>): Buffer {
  const first = chunks(png).next();
  if (first.done || first.value.type !== 'IHDR') throw new LoomError('BAD_FILE', 'PNG does not start with IHDR.');
  const texts = Object.entries(entries).map(([keyword, text]) =>
    LATIN1.test(text)
      ? encodeChunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]))
      : itxt(keyword, text),
  );
  return Buffer.concat([png.subarray(0, first.value.end), ...texts, png.subarray(first.value.end)]);
}

/** Reads tEXt and (uncompressed) iTXt entries. */
export function readPngText(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const chunk of chunks(png)) {
    if (chunk.type === 'tEXt') {
      const nul = chunk.data.indexOf(0);
      if (nul > 0) out[chunk.data.toString('latin1', 0, nul)] = chunk.data.toString('latin1', nul + 1);
    } else if (chunk.type === 'iTXt') {
      const nul = chunk.data.indexOf(0);
      if (nul <= 0 || chunk.data[nul + 1] !== 0) continue; // compressed iTXt is not written by Loom or ComfyUI
      const language = chunk.data.indexOf(0, nul + 3);
      const translated = chunk.data.indexOf(0, language + 1);
      if (language < 0 || translated < 0) continue;
      out[chunk.data.toString('latin1', 0, nul)] = chunk.data.toString('utf8', translated + 1);
    } else if (chunk.type === 'IEND') break;
  }
  return out;
}
