/**
 * Latent → RGB factors for live previews, per model. ComfyUI's Latent2RGB (comfy/latent_formats.py)
 * ships one fixed 4×3 map per model family, fitted on SD1.5's and SDXL's own VAEs; a model with
 * another VAE (loom-tiny, or any fine-tune that retrained it) previews in the wrong colours with them
 * (a red circle shows blue). So each pipeline may carry its own map in `latent_preview.json`, fitted
 * by least squares on its own VAE decoder (`npm run fit-preview -- <pipeline folder>`); pipelines
 * without one fall back to the family's factors.
 *
 * The fit pairs latent pixels with the colour they stand for and solves [z, 1] · [W; b] ≈ rgb for W
 * (4×3) and b (3), colours in the preview's [-1, 1] range. With a VAE encoder, pictures are encoded
 * and each latent pixel is paired with the mean colour of its 8×8 block: pictures like the model's
 * own (its training renders, `--images`) give latents it really produces; without such pictures,
 * colour charts (random flat 16-pixel blocks) stand in. Without an encoder, flat random latents are
 * decoded (the centre of each decoded picture gives the colour).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { LoomError } from '@loom/engine';
import { latentOf, type ImageBatch } from '../ports.ts';
import { decodeLatents, encodeImages } from './vae.ts';

export interface PreviewFactors {
  /** `weights[k][c]`: latent channel k's contribution to colour c. */
  weights: number[][];
  bias: number[];
}

/** ComfyUI's latent_rgb_factors for SD1.x and SDXL (comfy/latent_formats.py), no bias. */
export const FAMILY_FACTORS: Record<'sd15' | 'sdxl', PreviewFactors> = {
  sd15: {
    weights: [
      [0.3512, 0.2297, 0.3227],
      [0.325, 0.4974, 0.235],
      [-0.2829, 0.1762, 0.2721],
      [-0.212, -0.2616, -0.7177],
    ],
    bias: [0, 0, 0],
  },
  sdxl: {
    weights: [
      [0.392, 0.4054, 0.4549],
      [-0.2634, -0.0196, 0.0653],
      [0.0568, 0.1687, -0.0755],
      [-0.3112, -0.2359, -0.2076],
    ],
    bias: [0, 0, 0],
  },
};

export const PREVIEW_FACTORS_FILE = 'latent_preview.json';

const FactorsFile = z.object({
  weights: z.array(z.array(z.number()).length(3)).length(4),
  bias: z.array(z.number()).length(3),
});

/** The pipeline's own factors from `latent_preview.json`, or undefined when it has none. */
export async function readPreviewFactors(pipelineDir: string): Promise<PreviewFactors | undefined> {
  const path = join(pipelineDir, PREVIEW_FACTORS_FILE);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = FactorsFile.safeParse(JSON.parse(text));
  if (!parsed.success) throw new LoomError('BAD_FILE', `${path} is not a latent preview map: it needs "weights" (4 rows of 3 numbers) and "bias" (3 numbers).`);
  return parsed.data;
}

/** Solves min ‖X·B − Y‖² by the normal equations (X is n×p with n ≫ p, p small). */
export function leastSquares(X: number[][], Y: number[][]): number[][] {
  const p = X[0]?.length ?? 0;
  const q = Y[0]?.length ?? 0;
  // Augmented [XᵀX | XᵀY], then Gauss-Jordan elimination with partial pivoting.
  const a = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p + q }, (_, j) => X.reduce((s, row, r) => s + (row[i] as number) * (j < p ? (row[j] as number) : (Y[r]![j - p] as number)), 0)),
  );
  for (let col = 0; col < p; col++) {
    let pivot = col;
    for (let r = col + 1; r < p; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const lead = a[col]![col]!;
    if (Math.abs(lead) < 1e-12)
      throw new LoomError('UNSUPPORTED_MODEL', 'Cannot fit latent preview colours: the VAE decoder gives the same colour whatever the latent.');
    for (let j = 0; j < p + q; j++) a[col]![j]! /= lead;
    for (let r = 0; r < p; r++) {
      if (r === col) continue;
      const f = a[r]![col]!;
      for (let j = 0; j < p + q; j++) a[r]![j]! -= f * a[col]![j]!;
    }
  }
  return a.map((row) => row.slice(p));
}

/** Deterministic uniforms in (0, 1) from a 32-bit LCG (Numerical Recipes' constants): the fit must not depend on Math.random. */
function uniforms(seed: number): () => number {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
}

/** Standard normals by Box-Muller over {@link uniforms}. */
function normals(seed: number): () => number {
  const uniform = uniforms(seed);
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Colour charts: `count` pictures of `size`², random flat 16-pixel blocks. */
export function colourCharts(count: number, size: number, seed: number): ImageBatch {
  const block = 16;
  const n = size / block;
  const next = uniforms(seed);
  const pixels = new Float32Array(count * size * size * 3);
  const blocks = Array.from({ length: count }, () => Array.from({ length: n * n }, () => [next(), next(), next()]));
  for (let b = 0; b < count; b++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const colour = blocks[b]![Math.floor(y / block) * n + Math.floor(x / block)]!;
        for (let c = 0; c < 3; c++) pixels[((b * size + y) * size + x) * 3 + c] = colour[c] as number;
      }
    }
  }
  return { kind: 'image', pixels, shape: [count, size, size, 3], meta: {} };
}

/** Latent pixels of encoded pictures, each paired with the mean colour of its 8×8 block in [-1, 1]. */
export async function encodedPairs(
  encoder: ort.InferenceSession,
  model: string,
  scaling: number,
  images: ImageBatch,
): Promise<{ z: number[][]; rgb: number[][] }> {
  const latent = await encodeImages(encoder, model, images, scaling);
  const [count, , h, w] = latent.shape;
  const W = w * 8;
  const pairs = { z: [] as number[][], rgb: [] as number[][] };
  for (let b = 0; b < count; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const base = b * 4 * h * w + y * w + x;
        pairs.z.push([0, 1, 2, 3].map((k) => latent.samples[base + k * h * w] as number));
        const sum = [0, 0, 0];
        for (let dy = 0; dy < 8; dy++)
          for (let dx = 0; dx < 8; dx++) for (let c = 0; c < 3; c++) sum[c]! += images.pixels[((b * h * 8 + y * 8 + dy) * W + x * 8 + dx) * 3 + c] as number;
        pairs.rgb.push(sum.map((v) => (v / 64) * 2 - 1));
      }
    }
  }
  return pairs;
}

/** Flat random latents decoded: each 4-vector paired with its picture's centre colour in [-1, 1]. */
async function decodedPairs(decoder: ort.InferenceSession, model: string, scaling: number, count: number): Promise<{ z: number[][]; rgb: number[][] }> {
  const size = 8;
  const plane = size * size;
  const next = normals(1234);
  const z = Array.from({ length: count }, () => [next(), next(), next(), next()]);
  const latents = new Float32Array(count * 4 * plane);
  z.forEach((v, b) => v.forEach((value, k) => latents.fill(value, (b * 4 + k) * plane, (b * 4 + k + 1) * plane)));
  const images = await decodeLatents(decoder, model, latentOf(latents, [count, 4, size, size], {}), scaling, undefined);
  const [, H, W] = images.shape;
  const rgb = z.map((_, b) => {
    const sum = [0, 0, 0];
    let n = 0;
    for (let y = H / 4; y < (3 * H) / 4; y++) {
      for (let x = W / 4; x < (3 * W) / 4; x++) {
        for (let c = 0; c < 3; c++) sum[c]! += images.pixels[((b * H + y) * W + x) * 3 + c] as number;
        n++;
      }
    }
    return sum.map((v) => (v / n) * 2 - 1);
  });
  return { z, rgb };
}

/** The preview colour of one latent pixel under `factors`, in [-1, 1] before clamping. */
export function previewColour(factors: PreviewFactors, z: readonly number[]): number[] {
  return [0, 1, 2].map((c) => z.reduce((s, v, k) => s + v * (factors.weights[k]?.[c] ?? 0), factors.bias[c] as number));
}

interface VaeSessions {
  encoder?: { session: ort.InferenceSession; model: string };
  decoder: { session: ort.InferenceSession; model: string };
}

/** Fits factors on `pictures` (or colour charts) through the encoder when there is one, else on the decoder. */
export async function fitPreviewFactors(vae: VaeSessions, scaling: number, pictures?: ImageBatch): Promise<PreviewFactors> {
  const { z, rgb } = vae.encoder
    ? await encodedPairs(vae.encoder.session, vae.encoder.model, scaling, pictures ?? colourCharts(8, 128, 1234))
    : await decodedPairs(vae.decoder.session, vae.decoder.model, scaling, 32);
  const solution = leastSquares(
    z.map((v) => [...v, 1]),
    rgb,
  );
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  return { weights: solution.slice(0, 4).map((row) => row.map(round)), bias: solution[4]!.map(round) };
}
