/**
 * CLIP image preprocessing for the safety checker, as diffusers feeds it: the decoded image is turned
 * into 8-bit RGB (`numpy_to_pil`: `(x·255).round()`), resized so its shortest side is `size`
 * (transformers `get_resize_output_image_size`: `new_long = int(size·long/short)`), center-cropped
 * (`image_transforms.center_crop`: `top = (h − crop_h) // 2`), rescaled by 1/255 and normalised with
 * `image_mean` / `image_std`, channels first. As transformers' `CLIPImageProcessor` does.
 *
 * The resize runs through sharp (libvips). PIL's and libvips' bicubic kernels are both Keys a = −0.5
 * with antialiasing when shrinking, so the results agree closely but not bit for bit; the checker's
 * verdict is a thresholded similarity, insensitive to that difference.
 */
import { readFile } from 'node:fs/promises';
import sharp, { type KernelEnum } from 'sharp';
import { z } from 'zod';
import { LoomError } from '@loom/engine';
import type { ImageBatch } from '../../ports.ts';
import { toRgb8 } from '../../images/image-codec.ts';

export interface ClipPreprocessConfig {
  doResize: boolean;
  /** Target of the shortest side. */
  size: number;
  kernel: keyof KernelEnum;
  doCenterCrop: boolean;
  crop: { height: number; width: number };
  doNormalize: boolean;
  mean: [number, number, number];
  std: [number, number, number];
}

const Triple = z.tuple([z.number(), z.number(), z.number()]);
/** transformers accepts `size` as an int or `{shortest_edge}`, `crop_size` as an int or `{height, width}`. */
const PreprocessorSchema = z.looseObject({
  do_resize: z.boolean().default(true),
  size: z.union([z.int().positive(), z.looseObject({ shortest_edge: z.int().positive() })]).default(224),
  resample: z.int().min(0).max(5).default(3),
  do_center_crop: z.boolean().default(true),
  crop_size: z.union([z.int().positive(), z.looseObject({ height: z.int().positive(), width: z.int().positive() })]).default(224),
  do_normalize: z.boolean().default(true),
  image_mean: Triple.default([0.48145466, 0.4578275, 0.40821073]),
  image_std: Triple.default([0.26862954, 0.26130258, 0.27577711]),
});

/** PIL resample codes (Image.Resampling) → the nearest sharp kernel. 4 (BOX) and 5 (HAMMING) have none; cubic stands in. */
const PIL_KERNELS: Record<number, keyof KernelEnum> = { 0: 'nearest', 1: 'lanczos3', 2: 'linear', 3: 'cubic', 4: 'cubic', 5: 'cubic' };

export async function readPreprocessorConfig(path: string): Promise<ClipPreprocessConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new LoomError('MODEL_NOT_FOUND', `Cannot read the safety checker's preprocessor config ${path}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = PreprocessorSchema.safeParse(raw);
  if (!parsed.success) throw new LoomError('UNSUPPORTED_MODEL', `${path} is not a CLIP preprocessor config: ${parsed.error.issues[0]?.message ?? ''}`);
  const c = parsed.data;
  return {
    doResize: c.do_resize,
    size: typeof c.size === 'number' ? c.size : c.size.shortest_edge,
    kernel: PIL_KERNELS[c.resample] ?? 'cubic',
    doCenterCrop: c.do_center_crop,
    crop: typeof c.crop_size === 'number' ? { height: c.crop_size, width: c.crop_size } : { height: c.crop_size.height, width: c.crop_size.width },
    doNormalize: c.do_normalize,
    mean: c.image_mean,
    std: c.image_std,
  };
}

/** Output size of the shortest-side resize (transformers: `int(size * long / short)` for the long side). */
export function shortestSideSize(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.trunc((size * height) / width) };
  return { width: Math.trunc((size * width) / height), height: size };
}

/** Image `index` of the batch as the checker's `clip_input`: [3, crop.height, crop.width], normalised. */
export async function clipInput(
  images: ImageBatch,
  index: number,
  config: ClipPreprocessConfig,
): Promise<{ data: Float32Array; height: number; width: number }> {
  const [, height, width] = images.shape;
  let pipeline = sharp(toRgb8(images, index), { raw: { width, height, channels: 3 } });
  let w = width;
  let h = height;
  if (config.doResize) {
    ({ width: w, height: h } = shortestSideSize(width, height, config.size));
    if (w !== width || h !== height)
      pipeline = sharp(await pipeline.resize(w, h, { kernel: config.kernel, fit: 'fill' }).raw().toBuffer(), { raw: { width: w, height: h, channels: 3 } });
  }
  let crop = { left: 0, top: 0, width: w, height: h };
  if (config.doCenterCrop) {
    if (config.crop.width > w || config.crop.height > h) {
      throw new LoomError('UNSUPPORTED_MODEL', `The safety checker crops ${config.crop.width}×${config.crop.height} but the resized image is only ${w}×${h}.`);
    }
    crop = {
      left: Math.floor((w - config.crop.width) / 2),
      top: Math.floor((h - config.crop.height) / 2),
      width: config.crop.width,
      height: config.crop.height,
    };
  }
  const rgb = await pipeline.extract(crop).raw().toBuffer();
  const plane = crop.width * crop.height;
  const data = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = (rgb[p * 3 + c] as number) / 255;
      data[c * plane + p] = config.doNormalize ? (v - config.mean[c]!) / config.std[c]! : v;
    }
  }
  return { data, height: crop.height, width: crop.width };
}
