/**
 * A model's components as the weight readers hand them to the graph builder: per component its
 * diffusers config object and its weights in diffusers naming.
 */
import type { WeightSource } from './weight-source.ts';

/** One component: its diffusers `config.json` object and its weights. */
export interface ComponentWeights {
  readonly config: Record<string, unknown>;
  readonly weights: WeightSource;
}

/** Everything needed to build a pipeline folder. */
export interface ModelComponents {
  readonly kind: 'sd15' | 'sdxl' | 'sd15-inpaint' | 'sdxl-inpaint';
  readonly unet: ComponentWeights;
  readonly vae: ComponentWeights;
  readonly textEncoder: ComponentWeights;
  /** SDXL's OpenCLIP bigG with its `text_projection`. */
  readonly textEncoder2?: ComponentWeights;
  /** The diffusers scheduler config (`scheduler_config.json`). */
  readonly scheduler: object;
}
