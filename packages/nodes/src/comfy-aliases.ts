/**
 * ComfyUI's core node names and input names, mapped to ours where the semantics match, so API-format
 * prompts from ComfyUI clients run unchanged (COMFYUI-API.md §5 lists the originals). KSampler,
 * KSamplerAdvanced and CLIPTextEncode are real nodes with ComfyUI semantics; only their snake_case inputs map.
 */
import type { ComfyMap } from '@loom/engine';

export const comfyAliases: ComfyMap = {
  CheckpointLoaderSimple: { type: 'ModelLoader', inputs: { ckpt_name: 'pipeline' } },
  LoraLoader: { type: 'LoRALoader', inputs: { lora_name: 'lora', strength_model: 'strengthModel', strength_clip: 'strengthClip' } },
  CLIPTextEncode: { type: 'CLIPTextEncode' },
  EmptyLatentImage: { type: 'EmptyLatent', inputs: { batch_size: 'batchSize' } },
  KSampler: { type: 'KSampler', inputs: { sampler_name: 'samplerName', latent_image: 'latentImage' } },
  KSamplerAdvanced: {
    type: 'KSamplerAdvanced',
    inputs: {
      add_noise: 'addNoise', noise_seed: 'noiseSeed', sampler_name: 'samplerName', latent_image: 'latentImage',
      start_at_step: 'startAtStep', end_at_step: 'endAtStep', return_with_leftover_noise: 'returnWithLeftoverNoise',
    },
  },
  VAEDecode: { type: 'VAEDecode', inputs: { samples: 'latent' } },
  VAEEncode: { type: 'VAEEncode', inputs: { pixels: 'images' } },
  SaveImage: { type: 'SaveImage', inputs: { filename_prefix: 'filenamePrefix' } },
  PreviewImage: { type: 'PreviewImage' },
  LoadImage: { type: 'LoadImage', ignore: ['upload'] },
  UpscaleModelLoader: { type: 'UpscaleModelLoader', inputs: { model_name: 'modelName' } },
  ImageUpscaleWithModel: { type: 'ImageUpscaleWithModel', inputs: { upscale_model: 'upscaleModel', image: 'images' } },
  ImageScale: { type: 'ImageScale', inputs: { image: 'images', upscale_method: 'method' } },
  LatentUpscale: { type: 'LatentUpscale', inputs: { samples: 'latent', upscale_method: 'method' } },
};
