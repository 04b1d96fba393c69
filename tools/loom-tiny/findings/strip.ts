/** A finding's picture strip: a small labelled grid drawn by the comparison grid's own renderer. */
import sharp from 'sharp';
import { gridLayout, renderGrid } from '../../../packages/nodes/src/sd/grid/render.ts';
import type { RgbImage } from '../quality/image.ts';

/** Nearest-neighbour scaling by a whole factor, so a trained-size picture sits beside 2× ones unblurred. */
function enlarge(image: RgbImage, factor: number): Buffer {
  if (factor === 1) return Buffer.from(image.data);
  const out = Buffer.alloc(image.width * factor * image.height * factor * 3);
  for (let y = 0; y < image.height * factor; y++) {
    for (let x = 0; x < image.width * factor; x++) {
      const from = (Math.floor(y / factor) * image.width + Math.floor(x / factor)) * 3;
      image.data.subarray(from, from + 3).forEach((v, c) => (out[(y * image.width * factor + x) * 3 + c] = v));
    }
  }
  return out;
}

/** `rows[r][c]` pictures (any sizes that divide the largest), labelled; returns PNG bytes. */
export async function pictureStrip(rowLabels: string[], columnLabels: string[], rows: RgbImage[][]): Promise<Buffer> {
  const size = Math.max(...rows.flat().map((i) => i.width));
  const layout = gridLayout(columnLabels.length, rowLabels.length, size, size);
  const cells = rows.map((row) => row.map((image) => enlarge(image, size / image.width)));
  const { rgb } = await renderGrid(layout, columnLabels, rowLabels, cells);
  return sharp(rgb, { raw: { width: layout.width, height: layout.height, channels: 3 } })
    .png()
    .toBuffer();
}

/** A 2× picture at the trained size (2×2 box average), as the checker's world is drawn. */
export function halve(image: RgbImage): RgbImage {
  const [w, h] = [image.width >> 1, image.height >> 1];
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number): number => image.data[(yy * image.width + xx) * 3 + c] as number;
        data[(y * w + x) * 3 + c] = Math.round((at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4);
      }
    }
  }
  return { width: w, height: h, data };
}
