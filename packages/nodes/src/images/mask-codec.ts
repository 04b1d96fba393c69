/**
 * Masks from image files as ComfyUI's LoadImage / LoadImageMask read them (nodes.py): the image as RGBA,
 * one channel / 255, and for alpha `1 − a` (transparent = selected, as the mask editor paints). An image
 * without alpha therefore reads as an all-zero alpha mask.
 */
import sharp, { type OutputInfo } from 'sharp';
import { LoomError } from '@loom/engine';
import { maskOf, type Mask } from '../ports.ts';

export const MASK_CHANNELS = ['alpha', 'red', 'green', 'blue'] as const;
export type MaskChannel = (typeof MASK_CHANNELS)[number];

const CHANNEL_OFFSET: Record<MaskChannel, number> = { red: 0, green: 1, blue: 2, alpha: 3 };

export async function decodeMask(bytes: Buffer, source: string, channel: MaskChannel): Promise<Mask> {
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(bytes).toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new LoomError('BAD_FILE', `${source} is not an image Loom can read (${(err as Error).message}).`, { cause: err });
  }
  const { width, height } = raw.info;
  const offset = CHANNEL_OFFSET[channel];
  const values = new Float32Array(width * height);
  for (let p = 0; p < values.length; p++) {
    const v = (raw.data[p * 4 + offset] as number) / 255;
    values[p] = channel === 'alpha' ? 1 - v : v;
  }
  return maskOf(values, [1, height, width]);
}

/** LoadImage's MASK output: the inverted alpha, or for an image without alpha ComfyUI's 64×64 zeros. */
export async function alphaMask(bytes: Buffer, source: string): Promise<Mask> {
  const hasAlpha = await sharp(bytes)
    .metadata()
    .then((m) => m.hasAlpha === true)
    .catch(() => false);
  return hasAlpha ? decodeMask(bytes, source, 'alpha') : maskOf(new Float32Array(64 * 64), [1, 64, 64]);
}
