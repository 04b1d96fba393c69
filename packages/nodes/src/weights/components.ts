/**
 * What a checkpoint resolves to before the graph builder runs: one {@link WeightSource} per
 * model component, with diffusers module-path names, and the diffusers `config.json` object of
 * each component (as a diffusers folder has them, or as detection derives them from a single-file
 * checkpoint). The weight readers produce this; the ONNX graph builder consumes it.
 */
import type { WeightSource } from './weight-source.ts';

/** Model families the readers recognise. Inpainting UNets take 9 input channels. */
export type ModelKind = 'sd15' | 'sdxl' | 'sd15-inpaint' | 'sdxl-inpaint';

/** One component: its diffusers config object and its weights under diffusers names. */
export interface ComponentWeights {
  /** The component's diffusers `config.json` object (UNet2DConditionModel, AutoencoderKL, CLIPTextModel(WithProjection)). */
  readonly config: Record<string, unknown>;
  readonly weights: WeightSource;
}

/** A Stable Diffusion pipeline's weights, ready for the graph builder. */
export interface ModelComponents {
  readonly kind: ModelKind;
  readonly unet: ComponentWeights;
  readonly vae: ComponentWeights;
  /** CLIP ViT-L/14 text encoder (SD1.x, and SDXL's first encoder). */
  readonly textEncoder: ComponentWeights;
  /** SDXL's OpenCLIP ViT-bigG/14 encoder, as diffusers' CLIPTextModelWithProjection (with `text_projection.weight`). */
  readonly textEncoder2?: ComponentWeights;
  /** The diffusers `scheduler/scheduler_config.json` object. */
  readonly scheduler: Record<string, unknown>;
}
