/** The UPSCALE_MODEL port: which ONNX super-resolution model to run (ComfyUI's UpscaleModelLoader output). */
import { definePortType } from '@loom/engine';

export interface UpscaleModelHandle {
  kind: 'upscale_model';
  /** Absolute path of the .onnx file. */
  path: string;
  /** The name the graph used, inside models/upscale_models. */
  name: string;
}

export const UPSCALE_MODEL = definePortType<UpscaleModelHandle>({
  name: 'UPSCALE_MODEL',
  description: 'A super-resolution model (ESRGAN-style ONNX)',
  color: '#80cbc4',
  guard: (v): v is UpscaleModelHandle => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'upscale_model',
});

export const upscaleModelHandle = (path: string, name: string): UpscaleModelHandle => ({ kind: 'upscale_model', path, name });
