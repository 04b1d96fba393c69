/** @loom/nodes: the Stable Diffusion node pack on onnxruntime-node. */
import type { AnyNodeDefinition, ComfyMap } from '@loom/engine';
import type { NodePackConfig } from './pack-config.ts';
import { comfyAliases } from './comfy-aliases.ts';
import { modelLoaderNode } from './nodes/model-loader.ts';
import { textEncoderNode } from './nodes/text-encoder.ts';
import { emptyLatentNode } from './nodes/empty-latent.ts';
import { unetSamplerNode } from './nodes/unet-sampler.ts';
import { kSamplerNode } from './nodes/k-sampler.ts';
import { kSamplerAdvancedNode } from './nodes/k-sampler-advanced.ts';
import { clipTextEncodeNode } from './nodes/clip-text-encode.ts';
import { vaeDecodeNode } from './nodes/vae-decode.ts';
import { vaeEncodeNode } from './nodes/vae-encode.ts';
import { loadImageNode } from './nodes/load-image.ts';
import { loraLoaderNode } from './nodes/lora-loader.ts';
import { previewImageNode, saveImageNode } from './nodes/save-image.ts';
import { safetyRetryNode } from './nodes/safety-retry.ts';
import { imageScaleNode } from './nodes/image-scale.ts';
import { latentUpscaleNode } from './nodes/latent-upscale.ts';
import { upscaleModelLoaderNode } from './nodes/upscale-model-loader.ts';
import { imageUpscaleWithModelNode } from './nodes/image-upscale-with-model.ts';
import { promptLibraryNode } from './nodes/prompt-library.ts';
import { comparisonGridNode } from './nodes/comparison-grid.ts';

export * from './pack-config.ts';
export * from './ports.ts';
export { listPipelines, readPipeline, type PipelineFiles } from './sd/pipeline.ts';
export { listFiles, resolveInside, MODEL_FOLDERS } from './model-files.ts';
export { readPngText } from './images/png-text.ts';
export { CountingObjectStore, type LoadCount } from './sd/grid/counting-store.ts';
export { safetySummary, type CellAttempts } from './sd/grid/markdown.ts';
export { UPSCALE_MODEL, type UpscaleModelHandle } from './sd/upscale/port.ts';
export { BUNDLED_TOKENIZERS, bundledTokenizerDir, type BundledTokenizerName } from './sd/tokenizer/index.ts';

export interface NodePack {
  nodes: AnyNodeDefinition[];
  /** Aliases for ComfyUI's core node names. */
  comfyMap: ComfyMap;
}

export function createNodePack(config: NodePackConfig): NodePack {
  return {
    nodes: [
      modelLoaderNode(config),
      loraLoaderNode(config),
      textEncoderNode(config),
      clipTextEncodeNode(config),
      emptyLatentNode(),
      unetSamplerNode(config),
      kSamplerNode(config),
      kSamplerAdvancedNode(config),
      vaeDecodeNode(config),
      vaeEncodeNode(config),
      loadImageNode(config),
      saveImageNode(config),
      previewImageNode(config),
      safetyRetryNode(config),
      imageScaleNode(),
      latentUpscaleNode(),
      upscaleModelLoaderNode(config),
      imageUpscaleWithModelNode(config),
      promptLibraryNode(config),
      comparisonGridNode(config),
    ],
    comfyMap: comfyAliases,
  };
}
