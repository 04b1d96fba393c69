/** IMAGE batches to and from encoded files, through sharp (libvips). */
import sharp, { type OutputInfo } from 'sharp';
import { LoomError } from '@loom/engine';
import type { ImageBatch, Provenance } from '../ports.ts';

/** One image of a batch as 8-bit RGB (rounded, clamped), ready for an encoder. */
export function toRgb8(images: ImageBatch, index: number): Buffer {
  const [, height, width] = images.shape;
  const size = height * width * 3;
  const out = Buffer.alloc(size);
  const offset = index * size;
  for (let i = 0; i < size; i++) out[i] = Math.round(Math.min(1, Math.max(0, images.pixels[offset + i] as number)) * 255);
  return out;
}

export async function encodePng(images: ImageBatch, index: number): Promise<Buffer> {
  const [, height, width] = images.shape;
  // Compression level 6 and no adaptive filtering keep the bytes stable for a given image.
  return sharp(toRgb8(images, index), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
}

/** Decodes any image sharp understands to an IMAGE batch of one (alpha is dropped, composited on nothing). */
export async function decodeImage(bytes: Buffer, source: string, meta: Provenance = {}): Promise<ImageBatch> {
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new LoomError('BAD_FILE', `${source} is not an image Loom can read (${(err as Error).message}).`, { cause: err });
  }
  const { width, height, channels } = raw.info;
  const pixels = new Float32Array(width * height * 3);
  for (let p = 0, q = 0; p < width * height; p++, q += channels) {
    for (let c = 0; c < 3; c++) pixels[p * 3 + c] = (raw.data[q + c] as number) / 255;
  }
  return { kind: 'image', pixels, shape: [1, height, width, 3], meta };
}
