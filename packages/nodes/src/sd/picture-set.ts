/** A folder's PNG pictures (those whose name matches `match`, if given) as one batch, in name order. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LoomError } from '@loom/engine';
import { decodeImage } from '../images/image-codec.ts';
import type { ImageBatch } from '../ports.ts';

export async function pictureSet(dir: string, match?: RegExp): Promise<ImageBatch> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.png') && (!match || match.test(f))).sort();
  if (names.length === 0) throw new LoomError('MODEL_NOT_FOUND', `${dir} has no PNG pictures${match ? ` matching ${match}` : ''}.`);
  const batches = await Promise.all(names.map(async (f) => decodeImage(await readFile(join(dir, f)), f)));
  const [, H, W] = batches[0]!.shape;
  const odd = batches.findIndex((b) => b.shape[1] !== H || b.shape[2] !== W);
  if (odd >= 0) throw new LoomError('BAD_FILE', `${names[odd]} is not ${W}×${H} like ${names[0]}: the pictures of one fit share a size.`);
  const pixels = new Float32Array(batches.length * H * W * 3);
  batches.forEach((b, i) => pixels.set(b.pixels.subarray(0, H * W * 3), i * H * W * 3));
  return { kind: 'image', pixels, shape: [batches.length, H, W, 3], meta: {} };
}
