/**
 * A cheap latent → RGB preview: each latent channel's contribution to R, G and B by a linear map, the
 * approximation ComfyUI's `latent_preview.py` (Latent2RGB) uses, with the pipeline's own factors
 * (see preview-factors.ts). Encoded as a small PNG for progress events.
 */
import sharp from 'sharp';
import type { Preview } from '@loom/engine';
import type { PreviewFactors } from './preview-factors.ts';

/** RGB preview of the first image of a batch of (unscaled-space) latents [b, 4, h, w]. */
export async function latentPreview(x0: Float32Array, shape: readonly number[], factors: PreviewFactors): Promise<Preview> {
  const h = shape[2] as number;
  const w = shape[3] as number;
  const rgb = Buffer.alloc(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    for (let c = 0; c < 3; c++) {
      let v = factors.bias[c] as number;
      for (let k = 0; k < 4; k++) v += (x0[k * h * w + p] as number) * (factors.weights[k]?.[c] ?? 0);
      rgb[p * 3 + c] = Math.max(0, Math.min(255, Math.round(((v + 1) / 2) * 255)));
    }
  }
  const data = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .resize({ width: w * 4, height: h * 4, kernel: 'nearest' })
    .png()
    .toBuffer();
  return { mime: 'image/png', data };
}
