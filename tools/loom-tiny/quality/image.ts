/** RGB pixel buffers as the checker reads them, and PNG decoding for fixtures and renders. */
import sharp from 'sharp';
import type { Rgb } from './world.ts';

/** 8-bit RGB pixels, row-major, 3 bytes per pixel (height × width × 3). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes a PNG (or any format sharp reads) into RGB, dropping alpha. */
export async function readRgb(file: string | Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`Expected 3 channels after removing alpha, got ${info.channels}`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** An image filled with one colour, for tests and as a canvas. */
export function solidImage(width: number, height: number, colour: Rgb): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(colour, i * 3);
  return { width, height, data };
}

/** The pixel at index i (y × width + x). */
export function pixelAt(image: RgbImage, i: number): Rgb {
  const d = image.data;
  return [d[i * 3] as number, d[i * 3 + 1] as number, d[i * 3 + 2] as number];
}
