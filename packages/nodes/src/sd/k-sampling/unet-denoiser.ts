/**
 * The UNet as KSampler's denoiser, with ComfyUI's conditioning rules ({@link conditionedDenoiser}: every entry of
 * both sides, their areas, strengths and timestep ranges). Entries of one crop size share UNet calls where their
 * prompts can be stacked: prompts of different token lengths are brought to a common length by REPEATING each to the
 * least common multiple of the lengths (comfy/conds.py `CONDCrossAttn.can_concat` / `concat`, at most 4× the
 * shorter; repeated keys leave cross-attention unchanged, so this equals running them apart), not by A1111's
 * empty-window padding; there is no SDXL zeroing of an empty negative; SDXL size conditioning is the latent's size
 * with no crop, whatever an entry's area (model_base.py `SDXL.encode_adm` defaults). An inpainting UNet gets its
 * extra channels (inpaint-concat.ts) after the latent's, cropped to the entry's area like the latent.
 */
import type * as ort from 'onnxruntime-node';
import { LoomError } from '@loom/engine';
import type { Conditioning, ConditioningEntry } from '../../ports.ts';
import { floatTensor, readFloats, requireInput } from '../../runtime/tensors.ts';
import { timestepTensor } from '../unet.ts';
import type { ModelRunner } from '../model-session.ts';
import type { EntryRun } from './cond-batch.ts';
import { conditionedDenoiser, type EntryPrediction } from './conditioned-denoiser.ts';
import type { Denoiser } from './denoiser.ts';
import type { ModelSampling } from './model-sampling.ts';

/** UNet rows (batch members × entries) per call beyond the first two entries. */
const MAX_ROWS = 8;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a * b) / gcd(a, b);

/** `c`'s hidden states with its token sequence repeated to `tokens` tokens (a multiple of its own length). */
function repeatTokens(c: ConditioningEntry, tokens: number): Float32Array {
  if (c.tokens === tokens) return c.embeds;
  const embeds = new Float32Array(tokens * c.dim);
  for (let at = 0; at < tokens; at += c.tokens) embeds.set(c.embeds, at * c.dim);
  return embeds;
}

export interface UnetGuidance {
  positive: Conditioning;
  negative: Conditioning;
  cfg: number;
  family: 'sd15' | 'sdxl';
  /** An inpainting UNet's extra input channels over the whole latent, [batch, channels, h, w] (inpaint-concat.ts `inpaintConcat`). */
  concat?: { values: Float32Array; channels: number };
}

/** The UNet's sample rows of `run`: its crop of x (already scaled) with the concat channels' crop after each member's. */
function sampleRows(
  scaled: Float32Array,
  channels: number,
  run: EntryRun,
  batch: number,
  concat: UnetGuidance['concat'] & { width: number; height: number },
): Float32Array {
  const { x, y, width: w, height: h } = run.area;
  const plane = h * w;
  const extra = concat.channels;
  const out = new Float32Array(batch * (channels + extra) * plane);
  for (let b = 0; b < batch; b++) {
    out.set(scaled.subarray(b * channels * plane, (b + 1) * channels * plane), b * (channels + extra) * plane);
    for (let c = 0; c < extra; c++) {
      for (let row = 0; row < h; row++) {
        const from = ((b * extra + c) * concat.height + y + row) * concat.width + x;
        out.set(concat.values.subarray(from, from + w), ((b * (channels + extra) + channels + c) * h + row) * w);
      }
    }
  }
  return out;
}

/**
 * Runs of one UNet call: runs whose prompts stack (same width, common length within 4× the shortest), at most
 * `maxRuns` per call so that many entries on a large batch do not make one huge call (ComfyUI sizes its batches by
 * free memory; the numbers do not depend on it).
 */
function callsOf(runs: readonly EntryRun[], maxRuns: number): EntryRun[][] {
  const calls: EntryRun[][] = [];
  for (const run of runs) {
    const e = run.sampled.entry;
    const fits = (call: EntryRun[]): boolean => {
      if (call.length >= maxRuns) return false;
      const first = call[0]!.sampled.entry;
      const tokens = call.reduce((t, r) => lcm(t, r.sampled.entry.tokens), e.tokens);
      const shortest = Math.min(e.tokens, ...call.map((r) => r.sampled.entry.tokens));
      return first.dim === e.dim && tokens / shortest <= 4;
    };
    const call = calls.find(fits);
    if (call) call.push(run);
    else calls.push([run]);
  }
  return calls;
}

/** Repeats `data` `times` times. */
function repeat(data: Float32Array, times: number): Float32Array {
  const out = new Float32Array(data.length * times);
  for (let i = 0; i < times; i++) out.set(data, i * data.length);
  return out;
}

/** The text-side feeds of one call; the same at every step the same entries apply, so they are built once. */
function textFeeds(unet: ModelRunner, call: readonly EntryRun[], batch: number, timeIds: number[] | undefined): Record<string, ort.Tensor> {
  const entries = call.map((r) => r.sampled.entry);
  const tokens = entries.reduce((t, e) => lcm(t, e.tokens), 1);
  const dim = entries[0]!.dim;
  const rows = entries.length * batch;
  const hidden = requireInput(unet.session, 'encoder_hidden_states', unet.path);
  const states = new Float32Array(rows * tokens * dim);
  entries.forEach((e, i) => states.set(repeat(repeatTokens(e, tokens), batch), i * batch * tokens * dim));
  const feeds: Record<string, ort.Tensor> = { encoder_hidden_states: floatTensor(hidden.type, states, [rows, tokens, dim]) };
  if (unet.session.inputNames.includes('text_embeds')) {
    if (entries.some((e) => !e.pooled) || !timeIds)
      throw new LoomError(
        'UNSUPPORTED_MODEL',
        `${unet.path} is an SDXL UNet but the conditioning has no pooled embeddings; encode the prompt with this pipeline's CLIP.`,
      );
    const width = entries[0]!.pooled!.length;
    const pooled = new Float32Array(rows * width);
    entries.forEach((e, i) => pooled.set(repeat(e.pooled!, batch), i * batch * width));
    feeds.text_embeds = floatTensor(requireInput(unet.session, 'text_embeds', unet.path).type, pooled, [rows, width]);
    feeds.time_ids = floatTensor(requireInput(unet.session, 'time_ids', unet.path).type, repeat(Float32Array.from(timeIds), rows), [rows, timeIds.length]);
  }
  return feeds;
}

/**
 * ε or v for stacked crops, one UNet call per stackable group of runs. `concat` (an inpainting UNet's extra
 * channels over the whole `height` × `width` latent) is cropped like each run's input and appended to it.
 */
export function unetPrediction(
  unet: ModelRunner,
  batch: number,
  timeIds?: number[],
  concat?: UnetGuidance['concat'] & { width: number; height: number },
): EntryPrediction {
  const cache = new Map<string, Record<string, ort.Tensor>>();
  return async (scaledInput, shape, timestep, runs) => {
    const [, channels, h, w] = shape as [number, number, number, number];
    const rowSize = channels * h * w;
    const inputChannels = channels + (concat?.channels ?? 0);
    const sample = requireInput(unet.session, 'sample', unet.path);
    const out = new Float32Array(scaledInput.length);
    // The positive and negative of a plain prompt always share a call, as they did before multi-entry conditioning.
    for (const call of callsOf(runs, Math.max(2, Math.floor(MAX_ROWS / batch)))) {
      const key = `${call.map((r) => r.sampled.id).join(',')}|${batch}`;
      let text = cache.get(key);
      if (!text) cache.set(key, (text = textFeeds(unet, call, batch, timeIds)));
      // A call's runs need not be consecutive in `runs`: their rows are gathered and put back by run.
      const rows = call.length * batch;
      const input = new Float32Array(rows * inputChannels * h * w);
      call.forEach((r, i) => {
        const at = runs.indexOf(r) * batch * rowSize;
        const own = scaledInput.subarray(at, at + batch * rowSize);
        input.set(concat ? sampleRows(own, channels, r, batch, concat) : own, i * batch * inputChannels * h * w);
      });
      const result = await unet.run({
        ...text,
        sample: floatTensor(sample.type, input, [rows, inputChannels, h, w]),
        timestep: timestepTensor(unet, timestep, rows),
      });
      const prediction = readFloats(result[unet.session.outputNames[0] as string] as ort.Tensor);
      call.forEach((r, i) => out.set(prediction.subarray(i * batch * rowSize, (i + 1) * batch * rowSize), runs.indexOf(r) * batch * rowSize));
    }
    return out;
  };
}

export function unetDenoiser(ms: ModelSampling, unet: ModelRunner, shape: readonly number[], g: UnetGuidance): Denoiser {
  const height = (shape[2] as number) * 8;
  const width = (shape[3] as number) * 8;
  const timeIds = g.family === 'sdxl' ? [height, width, 0, 0, height, width] : undefined;
  const concat = g.concat && { ...g.concat, height: shape[2] as number, width: shape[3] as number };
  return conditionedDenoiser(ms, unetPrediction(unet, shape[0] as number, timeIds, concat), shape, g.positive, g.negative, g.cfg);
}
