/**
 * The Stable Diffusion port types. MODEL, CLIP and VAE are cheap descriptors (which files, which
 * LoRAs at which strengths); sessions are opened lazily by the nodes that run them and live in the
 * object cache, keyed by content. Tensors travel as flat Float32Arrays with their shapes.
 */
import { definePortType } from '@loom/engine';
import type { PipelineFiles } from './sd/pipeline.ts';

/** A LoRA file applied at a strength (LoRALoader appends these). */
export interface AppliedLora {
  /** Absolute path of the file. */
  file: string;
  /** The name the graph used (relative to models/loras), for metadata. */
  name: string;
  strength: number;
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
}

export interface VaeHandle {
  kind: 'vae';
  pipeline: PipelineFiles;
}

/** Text conditioning: hidden states [1, tokens, dim] (+ SDXL's pooled [1, 1280]). */
export interface Conditioning {
  kind: 'conditioning';
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
}

/** A latent's inpainting mask (ComfyUI's `noise_mask`): 1 = repaint, 0 = keep. */
export interface NoiseMask {
  data: Float32Array;
  /**
   * [B, 1, h, w] at latent resolution (another size is resized bilinearly, as ComfyUI does); a batch of 1
   * applies to every latent, and ComfyUI's [B, h, w] is accepted too.
   */
  shape: readonly number[];
}

/** Latents [batch, channels, h, w], in the UNet's (scaled) space. */
export interface Latent {
  kind: 'latent';
  samples: Float32Array;
  shape: [number, number, number, number];
  meta: Provenance;
  /** Only this area is resampled (SetLatentNoiseMask, VAEEncodeForInpaint); KSampler honours it. */
  noiseMask?: NoiseMask;
  /** ComfyUI's `batch_index`: which noise draw of the seed each latent takes (LatentFromBatch, RepeatLatentBatch). */
  batchIndex?: number[];
}

/** Images [batch, height, width, 3], RGB in [0, 1] (ComfyUI's IMAGE layout). */
export interface ImageBatch {
  kind: 'image';
  pixels: Float32Array;
  shape: [number, number, number, 3];
  meta: Provenance;
}

const hasKind = (kind: string) => (v: unknown): boolean => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === kind;

export const MODEL = definePortType<ModelHandle>({ name: 'MODEL', description: 'A diffusion UNet (with LoRAs)', color: '#b39ddb', guard: (v): v is ModelHandle => hasKind('model')(v) });
export const CLIP = definePortType<ClipHandle>({ name: 'CLIP', description: 'The text encoder(s) and tokenizer(s)', color: '#ffd54f', guard: (v): v is ClipHandle => hasKind('clip')(v) });
export const VAE = definePortType<VaeHandle>({ name: 'VAE', description: 'The VAE encoder and decoder', color: '#ef9a9a', guard: (v): v is VaeHandle => hasKind('vae')(v) });
export const CONDITIONING = definePortType<Conditioning>({ name: 'CONDITIONING', description: 'Encoded prompt', color: '#ffab40', guard: (v): v is Conditioning => hasKind('conditioning')(v) });
export const LATENT = definePortType<Latent>({ name: 'LATENT', description: 'Latent images', color: '#f48fb1', guard: (v): v is Latent => hasKind('latent')(v) });
export const IMAGE = definePortType<ImageBatch>({ name: 'IMAGE', description: 'RGB images', color: '#64b5f6', guard: (v): v is ImageBatch => hasKind('image')(v) });

// Constructors: node `run` results are inferred without their port types, so literal `kind`s and
// tuple shapes are built here, once, with the right types.
export const modelHandle = (pipeline: PipelineFiles, loras: AppliedLora[] = []): ModelHandle => ({ kind: 'model', pipeline, loras });
export const clipHandle = (pipeline: PipelineFiles, loras: AppliedLora[] = []): ClipHandle => ({ kind: 'clip', pipeline, loras });
export const vaeHandle = (pipeline: PipelineFiles): VaeHandle => ({ kind: 'vae', pipeline });
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
