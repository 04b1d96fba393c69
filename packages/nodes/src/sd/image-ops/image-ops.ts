/**
 * IMAGE operations of ComfyUI's core nodes, re-derived from nodes.py (EmptyImage.generate,
 * ImageInvert.invert, ImageBatch.batch, ImagePadForOutpaint.expand_image) and comfy_extras/nodes_images.py
 * (ImageCrop.crop). IMAGE is [batch, height, width, 3] in 0..1; MASK is [batch, height, width].
 */
import { imageOf, maskOf, type ImageBatch, type Mask } from '../../ports.ts';
import { resamplePlanes } from '../upscale/resample.ts';
import { cropPlanes, cropRect } from '../upscale/target-size.ts';
import { imageToPlanes } from '../upscale/planes.ts';

/** A batch filled with one colour, `0xRRGGBB`, each channel / 255. */
export function emptyImage(width: number, height: number, batch: number, color: number): ImageBatch {
  const rgb = [(color >> 16) & 0xff, (color >> 8) & 0xff, color & 0xff].map((c) => c / 255);
  const pixels = new Float32Array(batch * height * width * 3);
  for (let p = 0; p < pixels.length; p++) pixels[p] = rgb[p % 3] as number;
  return imageOf(pixels, [batch, height, width]);
}

export const invertImage = (images: ImageBatch): ImageBatch => ({ ...images, pixels: images.pixels.map((v) => 1 - v) });

/**
 * `width × height` from `(x, y)`, with x and y clamped to the last column and row first and the size cut
 * at the image's edge (Python slicing).
 */
export function cropImage(images: ImageBatch, width: number, height: number, x: number, y: number): ImageBatch {
  const [batch, H, W] = images.shape;
  const left = Math.min(x, W - 1);
  const top = Math.min(y, H - 1);
  const w = Math.min(width, W - left);
  const h = Math.min(height, H - top);
  const pixels = new Float32Array(batch * h * w * 3);
  for (let b = 0; b < batch; b++) {
    for (let row = 0; row < h; row++) {
      const from = ((b * H + top + row) * W + left) * 3;
      pixels.set(images.pixels.subarray(from, from + w * 3), (b * h + row) * w * 3);
    }
  }
  return imageOf(pixels, [batch, h, w], images.meta);
}

/**
 * Both batches as one. A second batch of another size is first resized to the first's size with torch
 * bilinear after a center crop to its aspect ratio (`common_upscale(…, "bilinear", "center")`).
 */
export function batchImages(first: ImageBatch, second: ImageBatch): ImageBatch {
  const [b1, h, w] = first.shape;
  const [b2, h2, w2] = second.shape;
  let pixels2 = second.pixels;
  if (h2 !== h || w2 !== w) {
    pixels2 = new Float32Array(b2 * h * w * 3);
    const rect = cropRect(w2, h2, w, h, 'center');
    for (let b = 0; b < b2; b++) {
      const planes = resamplePlanes(cropPlanes(imageToPlanes(second, b), 3, h2, w2, rect), 3, rect.height, rect.width, h, w, 'bilinear');
      // Unclamped: ComfyUI does not clamp after bilinear, which cannot overshoot 0..1 anyway.
      for (let p = 0; p < h * w; p++) for (let c = 0; c < 3; c++) pixels2[(b * h * w + p) * 3 + c] = planes[c * h * w + p] as number;
    }
  }
  const pixels = new Float32Array((b1 + b2) * h * w * 3);
  pixels.set(first.pixels);
  pixels.set(pixels2, first.pixels.length);
  return imageOf(pixels, [b1 + b2, h, w], first.meta);
}

/**
 * Pads with 0.5 grey (current ComfyUI; early versions padded with black) and returns the mask to repaint: 1 over the padding; inside the original image 0, or
 * near a padded edge `((feathering − d) / feathering)²` where d is the distance to the nearest padded side
 * (only when `2·feathering` fits in both dimensions).
 */
export function padForOutpaint(
  images: ImageBatch,
  left: number,
  top: number,
  right: number,
  bottom: number,
  feathering: number,
): { images: ImageBatch; mask: Mask } {
  const [batch, h, w] = images.shape;
  const H = h + top + bottom;
  const W = w + left + right;
  const pixels = new Float32Array(batch * H * W * 3).fill(0.5);
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < h; y++) pixels.set(images.pixels.subarray((b * h + y) * w * 3, (b * h + y + 1) * w * 3), ((b * H + top + y) * W + left) * 3);
  }
  const mask = new Float32Array(H * W).fill(1);
  const feather = feathering > 0 && feathering * 2 < h && feathering * 2 < w;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      let v = 0;
      if (feather) {
        const d = Math.min(top !== 0 ? i : h, bottom !== 0 ? h - i : h, left !== 0 ? j : w, right !== 0 ? w - j : w);
        if (d < feathering) v = ((feathering - d) / feathering) ** 2;
      }
      mask[(top + i) * W + left + j] = v;
    }
  }
  return { images: imageOf(pixels, [batch, H, W], images.meta), mask: maskOf(mask, [1, H, W]) };
}
