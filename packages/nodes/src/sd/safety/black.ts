/**
 * "Entirely black", as the seed playground tested it: `np.all(np.array(pil_image) == 0)` on the 8-bit
 * image, i.e. every channel of every pixel rounds to 0 (`numpy_to_pil` scales by 255 and rounds).
 * That is how a checker-blanked image looks after saving, and what some NaN-producing fp16 runs give too.
 */
import type { ImageBatch } from '../../ports.ts';

/** Largest value that still rounds to 0 in 8 bits (numpy rounds half to even, so 0.5/255 → 0). */
const BLACK_LIMIT = 0.5 / 255;

export function isAllBlack(pixels: Float32Array): boolean {
  for (const v of pixels) if (!(v <= BLACK_LIMIT)) return false;
  return true;
}

/** Whether image `index` of the batch is entirely black. */
export function isImageBlack(images: ImageBatch, index: number): boolean {
  const size = images.shape[1] * images.shape[2] * 3;
  return isAllBlack(images.pixels.subarray(index * size, (index + 1) * size));
}
