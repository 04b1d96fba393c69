/**
 * VAE decoding and encoding. Decoding divides by the scaling factor, runs one image at a time (as the
 * diffusers ONNX pipeline does) and maps [-1, 1] to [0, 1]. Large latents are decoded in overlapping
 * tiles blended with linear ramps, so memory stays bounded and no seam shows.
 * Encoding takes the distribution mean (Optimum's `latent_parameters`: mean and log-variance stacked),
 * or the script export's sampled `latent_sample`, and multiplies by the scaling factor.
 */
import type * as ort from 'onnxruntime-node';
import { LoomError } from '@loom/engine';
import type { ImageBatch, Latent } from '../ports.ts';
import { floatTensor, readFloats, requireInput } from '../runtime/tensors.ts';

export interface TileOptions {
  /** Tile edge in latent pixels (the decoder sees tile×tile latents). */
  tile: number;
  /** Overlap between neighbouring tiles, in latent pixels. */
  overlap: number;
}

async function decodeOne(session: ort.InferenceSession, model: string, z: Float32Array, h: number, w: number): Promise<Float32Array> {
  const input = requireInput(session, 'latent_sample', model);
  const out = await session.run({ latent_sample: floatTensor(input.type, z, [1, 4, h, w]) });
  return readFloats(out[session.outputNames[0] as string] as ort.Tensor);
}

/** Tile origins along one axis: evenly spread, covering [0, size) with at least `overlap` shared. */
export function tileStarts(size: number, tile: number, overlap: number): number[] {
  if (size <= tile) return [0];
  const count = Math.ceil((size - overlap) / (tile - overlap));
  return Array.from({ length: count }, (_, i) => Math.round((i * (size - tile)) / (count - 1)));
}

/** Weight of a pixel at `pos` in a tile of `length` starting at `start`: ramps up over the overlap unless at the image edge. */
function ramp(pos: number, length: number, ramp: number, atStart: boolean, atEnd: boolean): number {
  const fromStart = atStart ? Infinity : (pos + 0.5) / ramp;
  const fromEnd = atEnd ? Infinity : (length - pos - 0.5) / ramp;
  return Math.min(1, fromStart, fromEnd);
}

export async function decodeLatents(
  session: ort.InferenceSession,
  model: string,
  latent: Latent,
  scaling: number,
  tiles: TileOptions | undefined,
  onTile?: () => void,
): Promise<ImageBatch> {
  const [batch, channels, h, w] = latent.shape;
  if (channels !== 4) throw new LoomError('UNSUPPORTED_MODEL', `VAE decoding expects 4 latent channels, got ${channels}.`);
  const H = h * 8;
  const W = w * 8;
  const pixels = new Float32Array(batch * H * W * 3);
  const plane = channels * h * w;
  for (let b = 0; b < batch; b++) {
    const z = latent.samples.slice(b * plane, (b + 1) * plane).map((v) => v / scaling);
    const rgb =
      tiles && (h > tiles.tile || w > tiles.tile) ? await decodeTiled(session, model, z, h, w, tiles, onTile) : await decodeOne(session, model, z, h, w);
    const out = b * H * W * 3;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < 3; c++) {
          const v = (rgb[c * H * W + y * W + x] as number) / 2 + 0.5;
          pixels[out + (y * W + x) * 3 + c] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
  }
  return { kind: 'image', pixels, shape: [batch, H, W, 3], meta: latent.meta };
}

async function decodeTiled(
  session: ort.InferenceSession,
  model: string,
  z: Float32Array,
  h: number,
  w: number,
  { tile, overlap }: TileOptions,
  onTile?: () => void,
): Promise<Float32Array> {
  const H = h * 8;
  const W = w * 8;
  const sum = new Float32Array(3 * H * W);
  const weight = new Float32Array(H * W);
  const ys = tileStarts(h, tile, overlap);
  const xs = tileStarts(w, tile, overlap);
  for (const y0 of ys) {
    for (const x0 of xs) {
      const th = Math.min(tile, h);
      const tw = Math.min(tile, w);
      const part = new Float32Array(4 * th * tw);
      for (let c = 0; c < 4; c++)
        for (let y = 0; y < th; y++) part.set(z.subarray(c * h * w + (y0 + y) * w + x0, c * h * w + (y0 + y) * w + x0 + tw), c * th * tw + y * tw);
      const rgb = await decodeOne(session, model, part, th, tw);
      const TH = th * 8;
      const TW = tw * 8;
      for (let y = 0; y < TH; y++) {
        const wy = ramp(y, TH, overlap * 8, y0 === 0, y0 + th === h);
        for (let x = 0; x < TW; x++) {
          const wt = wy * ramp(x, TW, overlap * 8, x0 === 0, x0 + tw === w);
          const p = (y0 * 8 + y) * W + x0 * 8 + x;
          weight[p] = (weight[p] as number) + wt;
          for (let c = 0; c < 3; c++) sum[c * H * W + p] = (sum[c * H * W + p] as number) + wt * (rgb[c * TH * TW + y * TW + x] as number);
        }
      }
      onTile?.();
    }
  }
  for (let p = 0; p < H * W; p++) for (let c = 0; c < 3; c++) sum[c * H * W + p] = (sum[c * H * W + p] as number) / (weight[p] as number);
  return sum;
}

export async function encodeImages(session: ort.InferenceSession, model: string, images: ImageBatch, scaling: number): Promise<Latent> {
  const [batch, H, W] = images.shape;
  if (H % 8 !== 0 || W % 8 !== 0) throw new LoomError('PARAM_INVALID', `Image size ${W}×${H} is not a multiple of 8; resize or crop it first.`);
  const input = requireInput(session, 'sample', model);
  const h = H / 8;
  const w = W / 8;
  const samples = new Float32Array(batch * 4 * h * w);
  for (let b = 0; b < batch; b++) {
    const chw = new Float32Array(3 * H * W);
    for (let p = 0; p < H * W; p++) for (let c = 0; c < 3; c++) chw[c * H * W + p] = (images.pixels[(b * H * W + p) * 3 + c] as number) * 2 - 1;
    const out = await session.run({ sample: floatTensor(input.type, chw, [1, 3, H, W]) });
    // Optimum: 8 channels (mean, logvar) → take the mean; diffusers script: 4 sampled channels.
    const moments = readFloats(out[session.outputNames[0] as string] as ort.Tensor);
    for (let i = 0; i < 4 * h * w; i++) samples[b * 4 * h * w + i] = (moments[i] as number) * scaling;
  }
  return { kind: 'latent', samples, shape: [batch, 4, h, w], meta: images.meta };
}
