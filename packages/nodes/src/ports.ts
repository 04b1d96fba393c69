/**
 * The Stable Diffusion port types. MODEL, CLIP and VAE are cheap descriptors (which files, which
 * LoRAs at which strengths); sessions are opened lazily by the nodes that run them and live in the
 * object cache, keyed by content. Tensors travel as flat Float32Arrays with their shapes.
 */
import { LoomError, definePortType } from '@loom/engine';
import type { PipelineFiles } from './sd/pipeline.ts';

/** A LoRA file applied at a strength (LoRALoader appends these). */
export interface AppliedLora {
  /** Absolute path of the file. */
  file: string;
  /** The name the graph used (relative to models/loras), for metadata. */
  name: string;
  strength: number;
}

/** A textual-inversion embedding a prompt used: its name and A1111's short hash of its file. */
export interface UsedEmbedding {
  name: string;
  hash: string;
}

export interface ModelHandle {
  kind: 'model';
  pipeline: PipelineFiles;
  loras: AppliedLora[];
}

export interface ClipHandle {
  kind: 'clip';
  pipeline: PipelineFiles;
  loras: AppliedLora[];
  /** CLIP skip, A1111's convention: 1 = last layer (the default), 2 = penultimate… Set by CLIPSetLastLayer. */
  skip?: number;
}

/** A VAE: a pipeline's (ModelLoader) or a standalone file's built by VAELoader. */
export interface VaeHandle {
  kind: 'vae';
  /** The pipeline folder or built VAE folder, for messages. */
  dir: string;
  decoder: string;
  encoder?: string;
  /** The latent scale factor (config `scaling_factor`) that VAEDecode divides by and VAEEncode multiplies by. */
  scalingFactor: number;
}

/**
 * One conditioning entry: hidden states [1, tokens, dim] (+ SDXL's pooled [1, 1280]) and, as in ComfyUI's
 * `[tensor, {area, strength, start_percent, end_percent, pooled_output}]`, where and when it applies.
 */
export interface ConditioningEntry {
  family: PipelineFiles['family'];
  embeds: Float32Array;
  tokens: number;
  dim: number;
  pooled?: Float32Array;
  /** The encoding of one empty 77-token window, to pad a shorter prompt to a longer one's length (A1111). */
  padWindow: Float32Array;
  /** The prompt was empty: SDXL's `force_zeros_for_empty_prompt` turns such a negative into zeros. */
  empty: boolean;
  prompt: string;
  /** Textual-inversion embeddings the prompt used, with A1111's short file hashes (for `TI hashes`). */
  embeddings?: UsedEmbedding[];
  /**
   * The region it applies to, in latent units (image pixels / 8, floored), as ComfyUI's
   * ConditioningSetArea stores `area = (h // 8, w // 8, y // 8, x // 8)`. Absent: the whole latent.
   */
  area?: { x: number; y: number; width: number; height: number };
  /** Weight of this entry where areas overlap (ComfyUI's `strength`; default 1). */
  strength?: number;
  /**
   * The part of sampling it applies to, as fractions of the schedule with 0 = the first step (ComfyUI's
   * `start_percent`/`end_percent` of ConditioningSetTimestepRange). Absent: all of it, `[0, 1]`.
   */
  timestepRange?: [number, number];
}

/**
 * CONDITIONING: a list of entries (ComfyUI's list of `[tensor, dict]`). The value is its first entry plus
 * `more`, so a plain one-prompt conditioning (the common case) is just a ConditioningEntry with a kind.
 * ConditioningCombine appends; the other conditioning nodes map over every entry.
 */
export interface Conditioning extends ConditioningEntry {
  kind: 'conditioning';
  /** Entries after the first, in order (ConditioningCombine). */
  more?: ConditioningEntry[];
}

/** What produced a latent or image, for PNG metadata (A1111's `parameters`). */
export interface Provenance {
  prompt?: string;
  negativePrompt?: string;
  seed?: number;
  steps?: number;
  cfg?: number;
  sampler?: string;
  denoise?: number;
  model?: string;
  loras?: AppliedLora[];
  /** Embeddings of the positive and negative prompts. */
  embeddings?: UsedEmbedding[];
}

/** A mask [batch, 1, h, w] at latent resolution, 1 = repaint, 0 = keep (ComfyUI's `noise_mask`). */
export interface NoiseMask {
  values: Float32Array;
  shape: [number, 1, number, number];
}

/** Latents [batch, channels, h, w], in the UNet's (scaled) space. */
export interface Latent {
  kind: 'latent';
  samples: Float32Array;
  shape: [number, number, number, number];
  meta: Provenance;
  /**
   * Inpainting: where the sampler may change the latent (SetLatentNoiseMask, VAEEncodeForInpaint). Its batch
   * equals the latent's and its h, w the latent's (ComfyUI resizes `noise_mask` bilinearly to the latent and
   * repeats it to the batch when sampling; Loom's nodes do that when they set it).
   */
  noiseMask?: NoiseMask;
  /**
   * Which members of a larger batch these are (LatentFromBatch, RepeatLatentBatch), so a sampler can give
   * each the noise it had in the full batch (ComfyUI's `batch_index`). Absent: 0 … batch − 1.
   */
  batchIndex?: number[];
}

/** Masks [batch, height, width] in [0, 1] (ComfyUI's MASK; 1 = selected / to repaint). */
export interface Mask {
  kind: 'mask';
  values: Float32Array;
  shape: [number, number, number];
}

/** Images [batch, height, width, 3], RGB in [0, 1] (ComfyUI's IMAGE layout). */
export interface ImageBatch {
  kind: 'image';
  pixels: Float32Array;
  shape: [number, number, number, 3];
  meta: Provenance;
}

const hasKind =
  (kind: string) =>
  (v: unknown): boolean =>
    typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === kind;

export const MODEL = definePortType<ModelHandle>({
  name: 'MODEL',
  description: 'A diffusion UNet (with LoRAs)',
  color: '#b39ddb',
  guard: (v): v is ModelHandle => hasKind('model')(v),
});
export const CLIP = definePortType<ClipHandle>({
  name: 'CLIP',
  description: 'The text encoder(s) and tokenizer(s)',
  color: '#ffd54f',
  guard: (v): v is ClipHandle => hasKind('clip')(v),
});
export const VAE = definePortType<VaeHandle>({
  name: 'VAE',
  description: 'The VAE encoder and decoder',
  color: '#ef9a9a',
  guard: (v): v is VaeHandle => hasKind('vae')(v),
});
export const CONDITIONING = definePortType<Conditioning>({
  name: 'CONDITIONING',
  description: 'Encoded prompt',
  color: '#ffab40',
  guard: (v): v is Conditioning => hasKind('conditioning')(v),
});
export const LATENT = definePortType<Latent>({
  name: 'LATENT',
  description: 'Latent images',
  color: '#f48fb1',
  guard: (v): v is Latent => hasKind('latent')(v),
});
export const MASK = definePortType<Mask>({ name: 'MASK', description: 'Masks, 1 = selected', color: '#81c784', guard: (v): v is Mask => hasKind('mask')(v) });
export const IMAGE = definePortType<ImageBatch>({
  name: 'IMAGE',
  description: 'RGB images',
  color: '#64b5f6',
  guard: (v): v is ImageBatch => hasKind('image')(v),
});

// Constructors: node `run` results are inferred without their port types, so literal `kind`s and
// tuple shapes are built here, once, with the right types.
export const modelHandle = (pipeline: PipelineFiles, loras: AppliedLora[] = []): ModelHandle => ({ kind: 'model', pipeline, loras });
export const clipHandle = (pipeline: PipelineFiles, loras: AppliedLora[] = []): ClipHandle => ({ kind: 'clip', pipeline, loras });
export const vaeHandle = (p: PipelineFiles): VaeHandle => ({
  kind: 'vae',
  dir: p.dir,
  decoder: p.vaeDecoder,
  ...(p.vaeEncoder && { encoder: p.vaeEncoder }),
  scalingFactor: p.vaeScalingFactor,
});
export const latentOf = (samples: Float32Array, shape: readonly number[], meta: Provenance = {}): Latent => ({
  kind: 'latent',
  samples,
  shape: [shape[0] ?? 1, shape[1] ?? 4, shape[2] ?? 0, shape[3] ?? 0],
  meta,
});
export const imageOf = (pixels: Float32Array, shape: readonly number[], meta: Provenance = {}): ImageBatch => ({
  kind: 'image',
  pixels,
  shape: [shape[0] ?? 1, shape[1] ?? 0, shape[2] ?? 0, 3],
  meta,
});
export const maskOf = (values: Float32Array, shape: readonly number[]): Mask => ({
  kind: 'mask',
  values,
  shape: [shape[0] ?? 1, shape[1] ?? 0, shape[2] ?? 0],
});

/** The entries of a conditioning, in order. */
export const conditioningEntries = (c: Conditioning): ConditioningEntry[] => {
  const { kind: _kind, more, ...first } = c;
  return [first, ...(more ?? [])];
};

/** A conditioning from its entries (at least one). */
export function conditioningOf(entries: readonly ConditioningEntry[]): Conditioning {
  const [first, ...more] = entries;
  // Every conditioning op maps or concatenates non-empty entry lists, so this guards the code, not a graph.
  if (!first) throw new LoomError('NODE_FAILED', 'A conditioning needs at least one entry.');
  return { ...first, kind: 'conditioning', ...(more.length > 0 && { more }) };
}
