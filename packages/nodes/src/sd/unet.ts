/**
 * One UNet call with classifier-free guidance. The inputs are built from what the session declares:
 * `timestep` as int64 [batch] (Optimum 1.6–1.23), float [batch] (diffusers script) or a float scalar
 * (Optimum ≥ 1.24); SDXL adds `text_embeds` and `time_ids` (Optimum exporters/onnx/model_configs.py `UNetOnnxConfig`).
 * CFG batches [uncond, cond] in one call and combines `uncond + cfg·(cond − uncond)`
 * (diffusers pipeline_stable_diffusion.py); cfg 1 runs the conditional half only.
 */
import * as ort from 'onnxruntime-node';
import { LoomError } from '@loom/engine';
import type { Conditioning } from '../ports.ts';
import { floatTensor, readFloats, requireInput } from '../runtime/tensors.ts';
import { float32ToHalf } from '../safetensors/float-convert.ts';
import { timestepForInt64Input } from './schedulers/index.ts';
import type { ModelRunner } from './model-session.ts';

/** Conditioning for one CFG pass, already expanded to the latent batch. */
export interface GuidanceInputs {
  positive: Conditioning;
  negative: Conditioning;
  cfg: number;
  /** SDXL micro-conditioning `[orig_h, orig_w, crop_top, crop_left, target_h, target_w]`. */
  timeIds?: number[];
}

export function timestepTensor(unet: ModelRunner, t: number, batch: number): ort.Tensor {
  const { type, rank } = requireInput(unet.session, 'timestep', unet.path);
  const dims = rank === 0 ? [] : [batch];
  const count = rank === 0 ? 1 : batch;
  if (type === 'int64') return new ort.Tensor('int64', new BigInt64Array(count).fill(BigInt(timestepForInt64Input(t))), dims);
  if (type === 'float32') return new ort.Tensor('float32', new Float32Array(count).fill(t), dims);
  if (type === 'float16') return new ort.Tensor('float16', float32ToHalf(new Float32Array(count).fill(t)), dims);
  throw new LoomError('UNSUPPORTED_MODEL', `${unet.path} declares timestep as ${type}; expected int64, float or float16.`);
}

/** Repeats each conditioning `times` over the batch axis. */
function repeat(data: Float32Array, times: number): Float32Array {
  const out = new Float32Array(data.length * times);
  for (let i = 0; i < times; i++) out.set(data, i * data.length);
  return out;
}

/** The negative as SDXL's `force_zeros_for_empty_prompt` wants it: an empty negative becomes zeros. */
export function effectiveNegative(negative: Conditioning, forceZeros: boolean): Conditioning {
  if (!forceZeros || !negative.empty) return negative;
  return { ...negative, embeds: new Float32Array(negative.embeds.length), ...(negative.pooled && { pooled: new Float32Array(negative.pooled.length) }) };
}

/** Pads the shorter of two conditionings with empty windows so both have the same token count (A1111). */
function matchLengths(a: Conditioning, b: Conditioning): [Float32Array, Float32Array, number] {
  const tokens = Math.max(a.tokens, b.tokens);
  const pad = (c: Conditioning): Float32Array => {
    if (c.tokens === tokens) return c.embeds;
    const out = new Float32Array(tokens * c.dim);
    out.set(c.embeds);
    for (let at = c.tokens; at < tokens; at += c.padWindow.length / c.dim) out.set(c.padWindow, at * c.dim);
    return out;
  };
  return [pad(a), pad(b), tokens];
}

interface ConditioningFeeds {
  session: ort.InferenceSession;
  batch: number;
  feeds: Record<string, ort.Tensor>;
}

// The text-side feeds are the same at every step of a sampling run (sampling.ts passes one guidance
// object throughout), so they are built at the first step, not at each: rebuilding the 2×77×768 text
// states every step was most of the sampler's time outside onnxruntime.
const conditioningCache = new WeakMap<GuidanceInputs, ConditioningFeeds>();

/** encoder_hidden_states (and SDXL's text_embeds and time_ids) for `rows` = batch × CFG passes. */
function conditioningFeeds(unet: ModelRunner, batch: number, g: GuidanceInputs): Record<string, ort.Tensor> {
  const cached = conditioningCache.get(g);
  if (cached && cached.session === unet.session && cached.batch === batch) return cached.feeds;
  const hidden = requireInput(unet.session, 'encoder_hidden_states', unet.path);
  if (g.negative.dim !== g.positive.dim) {
    throw new LoomError(
      'PARAM_INVALID',
      `The positive (${g.positive.dim}-wide) and negative (${g.negative.dim}-wide) conditionings come from different text encoders.`,
      { input: 'negative' },
    );
  }
  const guided = g.cfg !== 1;
  const [uncond, cond, tokens] = matchLengths(g.negative, g.positive);
  const rows = batch * (guided ? 2 : 1);
  const feeds: Record<string, ort.Tensor> = {
    encoder_hidden_states: floatTensor(hidden.type, guided ? concat(repeat(uncond, batch), repeat(cond, batch)) : repeat(cond, batch), [
      rows,
      tokens,
      g.positive.dim,
    ]),
  };
  if (unet.session.inputNames.includes('text_embeds')) {
    const pooled = [g.negative.pooled, g.positive.pooled];
    if (!pooled[0] || !pooled[1] || !g.timeIds)
      throw new LoomError(
        'UNSUPPORTED_MODEL',
        `${unet.path} is an SDXL UNet but the conditioning has no pooled embeddings; encode the prompt with this pipeline's CLIP.`,
      );
    const embeds = requireInput(unet.session, 'text_embeds', unet.path);
    const ids = requireInput(unet.session, 'time_ids', unet.path);
    const pooledRows = guided ? concat(repeat(pooled[0], batch), repeat(pooled[1], batch)) : repeat(pooled[1], batch);
    feeds.text_embeds = floatTensor(embeds.type, pooledRows, [rows, pooled[1].length]);
    feeds.time_ids = floatTensor(ids.type, repeat(Float32Array.from(g.timeIds), rows), [rows, g.timeIds.length]);
  }
  conditioningCache.set(g, { session: unet.session, batch, feeds });
  return feeds;
}

/** Predicted noise for `latents` [batch, 4, h, w] at timestep t, with guidance. */
export async function predictNoise(unet: ModelRunner, latents: Float32Array, shape: readonly number[], t: number, g: GuidanceInputs): Promise<Float32Array> {
  const batch = shape[0] as number;
  const conditioning = conditioningFeeds(unet, batch, g);
  const sample = requireInput(unet.session, 'sample', unet.path);
  const guided = g.cfg !== 1;
  const rows = batch * (guided ? 2 : 1);
  const out = await unet.run({
    ...conditioning,
    sample: floatTensor(sample.type, guided ? repeat(latents, 2) : latents, [rows, ...shape.slice(1)]),
    timestep: timestepTensor(unet, t, rows),
  });
  const prediction = readFloats(out[unet.session.outputNames[0] as string] as ort.Tensor);
  if (!guided) return prediction;
  const half = prediction.length / 2;
  const result = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const u = prediction[i] as number;
    result[i] = u + g.cfg * ((prediction[half + i] as number) - u);
  }
  return result;
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
