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
import { clipSetLastLayerNode } from './nodes/clip-set-last-layer.ts';
import { vaeLoaderNode } from './nodes/vae-loader.ts';
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
import { loraLoaderModelOnlyNode } from './nodes/lora-loader-model-only.ts';
import { conditioningCombineNode } from './nodes/conditioning-combine.ts';
import { conditioningConcatNode } from './nodes/conditioning-concat.ts';
import { conditioningAverageNode } from './nodes/conditioning-average.ts';
import { conditioningSetAreaNode } from './nodes/conditioning-set-area.ts';
import { conditioningSetTimestepRangeNode } from './nodes/conditioning-set-timestep-range.ts';
import { conditioningZeroOutNode } from './nodes/conditioning-zero-out.ts';
import { latentUpscaleByNode } from './nodes/latent-upscale-by.ts';
import { repeatLatentBatchNode } from './nodes/repeat-latent-batch.ts';
import { latentFromBatchNode } from './nodes/latent-from-batch.ts';
import { imageScaleByNode } from './nodes/image-scale-by.ts';
import { imageScaleToTotalPixelsNode } from './nodes/image-scale-to-total-pixels.ts';
import { imageBatchNode } from './nodes/image-batch.ts';
import { imageInvertNode } from './nodes/image-invert.ts';
import { imageCropNode } from './nodes/image-crop.ts';
import { emptyImageNode } from './nodes/empty-image.ts';
import { loadImageMaskNode } from './nodes/load-image-mask.ts';
import { vaeEncodeForInpaintNode } from './nodes/vae-encode-for-inpaint.ts';
import { setLatentNoiseMaskNode } from './nodes/set-latent-noise-mask.ts';
import { imagePadForOutpaintNode } from './nodes/image-pad-for-outpaint.ts';
import { saveImageWebsocketNode } from './nodes/save-image-websocket.ts';

export * from './pack-config.ts';
export * from './ports.ts';
export { listPipelines, readPipeline, type PipelineFiles } from './sd/pipeline.ts';
export { checkModel, listModels, CHECKPOINTS_FOLDER } from './sd/model-source.ts';
export type { ModelComponents, ComponentWeights, ModelKind } from './weights/components.ts';
export type { WeightSource, WeightInfo, WeightDtype } from './weights/weight-source.ts';
export { listFiles, resolveInside, MODEL_FOLDERS } from './model-files.ts';
export { listEmbeddingNames } from './sd/embeddings/embedding-folder.ts';
export { readPngText } from './images/png-text.ts';
export { withSafetensors } from './safetensors/safetensors-file.ts';
export { CountingObjectStore, type LoadCount } from './sd/grid/counting-store.ts';
export { planGrid, type GridPlan, type Variant } from './sd/grid/plan.ts';
export { safetySummary, type CellAttempts } from './sd/grid/markdown.ts';
export { gridResultOf, type GridCellResult, type GridResult } from './sd/grid/grid-result.ts';
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
      clipSetLastLayerNode(),
      vaeLoaderNode(config),
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
      // ComfyUI core nodes under their own names (issue 17).
      loraLoaderModelOnlyNode(config),
      conditioningCombineNode(),
      conditioningConcatNode(),
      conditioningAverageNode(),
      conditioningSetAreaNode(),
      conditioningSetTimestepRangeNode(),
      conditioningZeroOutNode(),
      latentUpscaleByNode(),
      repeatLatentBatchNode(),
      latentFromBatchNode(),
      imageScaleByNode(),
      imageScaleToTotalPixelsNode(),
      imageBatchNode(),
      imageInvertNode(),
      imageCropNode(),
      emptyImageNode(),
      loadImageMaskNode(config),
      vaeEncodeForInpaintNode(config),
      setLatentNoiseMaskNode(),
      imagePadForOutpaintNode(),
      saveImageWebsocketNode(),
    ],
    comfyMap: comfyAliases,
  };
}
