/**
 * ComfyUI's core node names and input names, mapped to ours, so API-format prompts and UI workflows from
 * ComfyUI run unchanged (the originals are the classes of ComfyUI's nodes.py,
 * https://github.com/comfyanonymous/ComfyUI/blob/master/nodes.py). Where our node's behaviour differs from
 * ComfyUI's, `semantics` says how; the catalogs show it for every class. KSampler, KSamplerAdvanced and
 * CLIPTextEncode are real nodes with ComfyUI semantics; only their snake_case inputs map. `inputOrder` is
 * given where ComfyUI's `INPUT_TYPES` interleaves links and widgets or lists them in another order than
 * our declaration; `/object_info` lists inputs in that order. Hosts check every alias at start.
 */
import type { ComfyMap } from '@loom/engine';

const IMAGE_SCALE_SEMANTICS =
  "Sizes as ComfyUI computes them; area is torch's adaptive average pooling as in ComfyUI, but nearest-exact, bilinear, bicubic and lanczos resample with libvips (sharp) on 16-bit data, so pixel values differ slightly from ComfyUI's torch/PIL kernels.";

export const comfyAliases: ComfyMap = {
  CheckpointLoaderSimple: {
    type: 'ModelLoader',
    inputs: { ckpt_name: 'pipeline' },
    semantics: "Loom's ModelLoader: ckpt_name names a pipeline folder of the models directory.",
  },
  LoraLoader: { type: 'LoRALoader', inputs: { lora_name: 'lora', strength_model: 'strengthModel', strength_clip: 'strengthClip' } },
  CLIPTextEncode: { type: 'CLIPTextEncode', inputOrder: ['text', 'clip'] },
  EmptyLatentImage: { type: 'EmptyLatent', inputs: { batch_size: 'batchSize' } },
  KSampler: {
    type: 'KSampler',
    inputs: { sampler_name: 'samplerName', latent_image: 'latentImage' },
    inputOrder: ['model', 'seed', 'steps', 'cfg', 'sampler_name', 'scheduler', 'positive', 'negative', 'latent_image', 'denoise'],
  },
  KSamplerAdvanced: {
    type: 'KSamplerAdvanced',
    inputs: {
      add_noise: 'addNoise',
      noise_seed: 'noiseSeed',
      sampler_name: 'samplerName',
      latent_image: 'latentImage',
      start_at_step: 'startAtStep',
      end_at_step: 'endAtStep',
      return_with_leftover_noise: 'returnWithLeftoverNoise',
    },
    inputOrder: [
      'model',
      'add_noise',
      'noise_seed',
      'steps',
      'cfg',
      'sampler_name',
      'scheduler',
      'positive',
      'negative',
      'latent_image',
      'start_at_step',
      'end_at_step',
      'return_with_leftover_noise',
    ],
  },
  VAEDecode: { type: 'VAEDecode', inputs: { samples: 'latent' }, inputOrder: ['samples', 'vae'] },
  VAEEncode: {
    type: 'VAEEncode',
    inputs: { pixels: 'images' },
    inputOrder: ['pixels', 'vae'],
    semantics: "Loom's VAEEncode: width and height must be multiples of 8 (ComfyUI center-crops them).",
  },
  SaveImage: {
    type: 'SaveImage',
    inputs: { filename_prefix: 'filenamePrefix' },
    semantics:
      "Loom's SaveImage: files are <prefix>_00001.png (ComfyUI: <prefix>_00001_.png); the PNG chunks are ComfyUI's prompt and workflow plus A1111 parameters and Loom's graph.",
  },
  PreviewImage: { type: 'PreviewImage' },
  LoadImage: {
    type: 'LoadImage',
    ignore: ['upload'],
    semantics: "Loom's LoadImage: the first frame only, and EXIF orientation is not applied (ComfyUI rotates by it).",
  },
  UpscaleModelLoader: { type: 'UpscaleModelLoader', inputs: { model_name: 'modelName' } },
  ImageUpscaleWithModel: { type: 'ImageUpscaleWithModel', inputs: { upscale_model: 'upscaleModel', image: 'images' } },
  ImageScale: { type: 'ImageScale', inputs: { image: 'images', upscale_method: 'method' }, semantics: IMAGE_SCALE_SEMANTICS },
  LatentUpscale: { type: 'LatentUpscale', inputs: { samples: 'latent', upscale_method: 'method' } },
  // Nodes declared under ComfyUI's own names; only the input names differ (ours are camelCase).
  VAELoader: {
    type: 'VAELoader',
    inputs: { vae_name: 'vaeName' },
    semantics: "Loom's VAELoader builds the file into ONNX once (cached); ComfyUI's taesd and pixel_space entries are not offered.",
  },
  CLIPSetLastLayer: {
    type: 'CLIPSetLastLayer',
    inputs: { stop_at_clip_layer: 'stopAtClipLayer' },
    semantics:
      'On SDXL, -1 keeps the penultimate layer (ComfyUI switches to the last one); -2 and below match ComfyUI. Pipelines exported without hidden_states outputs refuse values below -1.',
  },
  LoraLoaderModelOnly: { type: 'LoraLoaderModelOnly', inputs: { lora_name: 'lora', strength_model: 'strengthModel' } },
  ConditioningCombine: { type: 'ConditioningCombine', inputs: { conditioning_1: 'conditioning1', conditioning_2: 'conditioning2' } },
  ConditioningConcat: { type: 'ConditioningConcat', inputs: { conditioning_to: 'conditioningTo', conditioning_from: 'conditioningFrom' } },
  ConditioningAverage: {
    type: 'ConditioningAverage',
    inputs: { conditioning_to: 'conditioningTo', conditioning_from: 'conditioningFrom', conditioning_to_strength: 'conditioningToStrength' },
  },
  ConditioningSetArea: { type: 'ConditioningSetArea' },
  ConditioningSetTimestepRange: { type: 'ConditioningSetTimestepRange' },
  ConditioningZeroOut: { type: 'ConditioningZeroOut' },
  LatentUpscaleBy: { type: 'LatentUpscaleBy', inputs: { samples: 'latent', upscale_method: 'method', scale_by: 'scaleBy' } },
  RepeatLatentBatch: { type: 'RepeatLatentBatch', inputs: { samples: 'latent' } },
  LatentFromBatch: { type: 'LatentFromBatch', inputs: { samples: 'latent', batch_index: 'batchIndex' } },
  ImageScaleBy: { type: 'ImageScaleBy', inputs: { image: 'images', upscale_method: 'method', scale_by: 'scaleBy' }, semantics: IMAGE_SCALE_SEMANTICS },
  ImageScaleToTotalPixels: {
    type: 'ImageScaleToTotalPixels',
    inputs: { image: 'images', upscale_method: 'method', resolution_steps: 'resolutionSteps' },
    semantics: IMAGE_SCALE_SEMANTICS,
  },
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
