/**
 * A cheap latent → RGB preview: each latent channel's contribution to R, G and B by a fixed linear map,
 * the approximation ComfyUI's `latent_preview.py` (Latent2RGB) uses, with its factors for SD1.x and
 * SDXL (comfy/latent_formats.py). Encoded as a small PNG for progress events.
 */
import sharp from 'sharp';
import type { Preview } from '@loom/engine';

const FACTORS = {
  sd15: [
    [0.3512, 0.2297, 0.3227],
    [0.3250, 0.4974, 0.2350],
    [-0.2829, 0.1762, 0.2721],
    [-0.2120, -0.2616, -0.7177],
  ],
  sdxl: [
    [0.392, 0.4054, 0.4549],
    [-0.2634, -0.0196, 0.0653],
    [0.0568, 0.1687, -0.0755],
    [-0.3112, -0.2359, -0.2076],
  ],
} as const;

/** RGB preview of the first image of a batch of (unscaled-space) latents [b, 4, h, w]. */
export async function latentPreview(x0: Float32Array, shape: readonly number[], family: 'sd15' | 'sdxl'): Promise<Preview> {
  const h = shape[2] as number;
  const w = shape[3] as number;
  const rgb = Buffer.alloc(h * w * 3);
  const factors = FACTORS[family];
  for (let p = 0; p < h * w; p++) {
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let k = 0; k < 4; k++) v += (x0[k * h * w + p] as number) * (factors[k]?.[c] ?? 0);
      rgb[p * 3 + c] = Math.max(0, Math.min(255, Math.round(((v + 1) / 2) * 255)));
    }
  }
  const data = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).resize({ width: w * 4, height: h * 4, kernel: 'nearest' }).png().toBuffer();
  return { mime: 'image/png', data };
}
