import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { isPng, readPngText } from './png-text.ts';

// PNGs assembled byte by byte from the spec (https://www.w3.org/TR/png-3/#5Chunk-layout).
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  return Buffer.concat([head, data, crc]);
}
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IHDR = chunk('IHDR', Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]));
const IEND = chunk('IEND', Buffer.alloc(0));

function png(...chunks: Buffer[]): Uint8Array {
  return new Uint8Array(Buffer.concat([SIGNATURE, IHDR, ...chunks, IEND]));
}

test('reads tEXt (latin-1) and uncompressed iTXt (UTF-8) entries', () => {
  const tEXt = chunk('tEXt', Buffer.concat([Buffer.from('prompt\0', 'latin1'), Buffer.from('{"1":{}} caf\xe9', 'latin1')]));
  // iTXt: keyword NUL, compression flag 0, method 0, language "en" NUL, translated "Arbeit" NUL, text.
  const iTXt = chunk('iTXt', Buffer.concat([Buffer.from('workflow\0\0\0en\0Arbeit\0', 'latin1'), Buffer.from('snow ☃ über', 'utf8')]));
  assert.deepEqual(readPngText(png(tEXt, iTXt)), { prompt: '{"1":{}} café', workflow: 'snow ☃ über' });
});

test('skips compressed iTXt and chunks without a keyword, stops at IEND', () => {
  const compressed = chunk('iTXt', Buffer.concat([Buffer.from('workflow\0\x01\0\0\0', 'latin1'), Buffer.from([0x78, 0x9c, 0x03, 0x00])]));
  const noKeyword = chunk('tEXt', Buffer.from('\0text', 'latin1'));
  const afterEnd = chunk('tEXt', Buffer.from('late\0value', 'latin1'));
  const bytes = new Uint8Array(Buffer.concat([SIGNATURE, IHDR, compressed, noKeyword, IEND, afterEnd]));
  assert.deepEqual(readPngText(bytes), {});
});

test('rejects what is not a PNG, and truncated chunks', () => {
  assert.equal(isPng(new TextEncoder().encode('{"version":1}')), false);
  assert.throws(() => readPngText(new TextEncoder().encode('GIF89a........')), /Not a PNG/);
  const whole = png(chunk('tEXt', Buffer.from('a\0b', 'latin1')));
  assert.throws(() => readPngText(whole.subarray(0, whole.length - 20)), /Truncated/);
});
