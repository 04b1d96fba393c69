/**
 * The pixel side of ComfyUI's VAEEncodeForInpaint (nodes.py `VAEEncodeForInpaint.encode`):
 * 1. the mask is resized bilinearly (torch, align_corners=False) to the image;
 * 2. image and mask are center-cropped to multiples of 8 (offset `(size % 8) // 2`);
 * 3. the masked pixels are set to 0.5 grey: `(p − 0.5)·(1 − round(mask)) + 0.5`, so the VAE sees no trace
 *    of what is to be repainted;
 * 4. the noise mask is `round(mask)` grown by a `grow × grow` box (conv2d with a ones kernel, padding
 *    `ceil((grow − 1) / 2)`, clamped to 0..1, cut back to the image size), so repainting blends at the seams.
 * Rounding is torch's (half to even).
 */
import { imageOf, type ImageBatch, type Mask } from '../../ports.ts';
import { resamplePlanes } from '../upscale/resample.ts';
import { roundHalfEven } from '../schedulers/numpy-compat.ts';

export interface InpaintPrep {
  /** The cropped image with its masked pixels greyed. */
  images: ImageBatch;
  /** The grown mask at the cropped image's size, [maskBatch, h, w], 0 or 1. */
  noiseMask: Float32Array;
  maskBatch: number;
}

export function prepareInpaint(images: ImageBatch, mask: Mask, grow: number): InpaintPrep {
  const [batch, H, W] = images.shape;
  const [mb, mh, mw] = mask.shape;
  const full = mh === H && mw === W ? mask.values : resamplePlanes(mask.values, mb, mh, mw, H, W, 'bilinear');
  const h = Math.floor(H / 8) * 8;
  const w = Math.floor(W / 8) * 8;
  const top = (H % 8) >> 1;
  const left = (W % 8) >> 1;
  const rounded = new Float32Array(mb * h * w);
  for (let m = 0; m < mb; m++) {
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rounded[(m * h + y) * w + x] = roundHalfEven(full[(m * H + y + top) * W + x + left] as number);
  }
  const pixels = new Float32Array(batch * h * w * 3);
  for (let b = 0; b < batch; b++) {
    const m = b % mb; // torch broadcasting: a single mask applies to every image
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const keep = 1 - (rounded[(m * h + y) * w + x] as number);
        const from = ((b * H + y + top) * W + x + left) * 3;
        const to = ((b * h + y) * w + x) * 3;
        for (let c = 0; c < 3; c++) pixels[to + c] = ((images.pixels[from + c] as number) - 0.5) * keep + 0.5;
      }
    }
  }
  return { images: imageOf(pixels, [batch, h, w], images.meta), noiseMask: grow === 0 ? rounded : growMask(rounded, mb, h, w, grow), maskBatch: mb };
}

/** conv2d(mask, ones(g×g), padding = ceil((g − 1) / 2)) clamped to 0..1, keeping the top-left h×w. */
function growMask(mask: Float32Array, planes: number, h: number, w: number, grow: number): Float32Array {
  const pad = Math.ceil((grow - 1) / 2);
  const out = new Float32Array(planes * h * w);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let ky = 0; ky < grow && sum === 0; ky++) {
          const sy = y - pad + ky;
          if (sy < 0 || sy >= h) continue;
          for (let kx = 0; kx < grow; kx++) {
            const sx = x - pad + kx;
            if (sx >= 0 && sx < w) sum += mask[(p * h + sy) * w + sx] as number;
          }
        }
        // The mask is 0/1, so the clamped sum is 1 as soon as any tap is set; round() leaves 0/1 as is.
        out[(p * h + y) * w + x] = sum > 0 ? 1 : 0;
      }
    }
  }
  return out;
}
