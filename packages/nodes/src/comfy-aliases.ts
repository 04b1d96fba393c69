/**
 * ComfyUI's core node names and input names, mapped to ours where the semantics match, so API-format
 * prompts from ComfyUI clients run unchanged (COMFYUI-API.md §5 lists the originals).
 */
import type { ComfyMap } from '@loom/engine';

export const comfyAliases: ComfyMap = {
  CheckpointLoaderSimple: { type: 'ModelLoader', inputs: { ckpt_name: 'pipeline' } },
  LoraLoader: { type: 'LoRALoader', inputs: { lora_name: 'lora', strength_model: 'strengthModel', strength_clip: 'strengthClip' } },
  CLIPTextEncode: { type: 'TextEncoder' },
  EmptyLatentImage: { type: 'EmptyLatent', inputs: { batch_size: 'batchSize' } },
  KSampler: { type: 'UNetSampler', inputs: { latent_image: 'latent', sampler_name: 'sampler', scheduler: 'schedule' } },
  VAEDecode: { type: 'VAEDecode', inputs: { samples: 'latent' } },
  VAEEncode: { type: 'VAEEncode', inputs: { pixels: 'images' } },
  SaveImage: { type: 'SaveImage', inputs: { filename_prefix: 'filenamePrefix' } },
  PreviewImage: { type: 'PreviewImage' },
  LoadImage: { type: 'LoadImage', ignore: ['upload'] },
  UpscaleModelLoader: { type: 'UpscaleModelLoader', inputs: { model_name: 'modelName' } },
  ImageUpscaleWithModel: { type: 'ImageUpscaleWithModel', inputs: { upscale_model: 'upscaleModel', image: 'images' } },
  ImageScale: { type: 'ImageScale', inputs: { image: 'images', upscale_method: 'method' } },
  LatentUpscale: { type: 'LatentUpscale', inputs: { samples: 'latent', upscale_method: 'method' } },
  // Nodes declared under ComfyUI's own names; only the input names differ (ours are camelCase).
  LoraLoaderModelOnly: { type: 'LoraLoaderModelOnly', inputs: { lora_name: 'lora', strength_model: 'strengthModel' } },
  ConditioningCombine: { type: 'ConditioningCombine', inputs: { conditioning_1: 'conditioning1', conditioning_2: 'conditioning2' } },
  ConditioningConcat: { type: 'ConditioningConcat', inputs: { conditioning_to: 'conditioningTo', conditioning_from: 'conditioningFrom' } },
  ConditioningAverage: { type: 'ConditioningAverage', inputs: { conditioning_to: 'conditioningTo', conditioning_from: 'conditioningFrom', conditioning_to_strength: 'conditioningToStrength' } },
  ConditioningSetArea: { type: 'ConditioningSetArea' },
  ConditioningSetTimestepRange: { type: 'ConditioningSetTimestepRange' },
  ConditioningZeroOut: { type: 'ConditioningZeroOut' },
  LatentUpscaleBy: { type: 'LatentUpscaleBy', inputs: { samples: 'latent', upscale_method: 'method', scale_by: 'scaleBy' } },
  RepeatLatentBatch: { type: 'RepeatLatentBatch', inputs: { samples: 'latent' } },
  LatentFromBatch: { type: 'LatentFromBatch', inputs: { samples: 'latent', batch_index: 'batchIndex' } },
  ImageScaleBy: { type: 'ImageScaleBy', inputs: { image: 'images', upscale_method: 'method', scale_by: 'scaleBy' } },
  ImageScaleToTotalPixels: { type: 'ImageScaleToTotalPixels', inputs: { image: 'images', upscale_method: 'method', resolution_steps: 'resolutionSteps' } },
  ImageBatch: { type: 'ImageBatch' },
  ImageInvert: { type: 'ImageInvert', inputs: { image: 'images' } },
  ImageCrop: { type: 'ImageCrop', inputs: { image: 'images' } },
  EmptyImage: { type: 'EmptyImage', inputs: { batch_size: 'batchSize' } },
  LoadImageMask: { type: 'LoadImageMask', ignore: ['upload'] },
  VAEEncodeForInpaint: { type: 'VAEEncodeForInpaint', inputs: { pixels: 'images', grow_mask_by: 'growMaskBy' } },
  SetLatentNoiseMask: { type: 'SetLatentNoiseMask', inputs: { samples: 'latent' } },
  ImagePadForOutpaint: { type: 'ImagePadForOutpaint', inputs: { image: 'images' } },
  SaveImageWebsocket: { type: 'SaveImageWebsocket' },
};
