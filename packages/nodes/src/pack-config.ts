/** Host-supplied settings for the Stable Diffusion node pack. */
export type DeviceChoice = 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'dml' | 'coreml';
export const DEVICE_CHOICES: readonly DeviceChoice[] = ['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'];

export interface NodePackConfig {
  /** ComfyUI-like models folder: pipelines at the top, `loras/`, `upscale_models/`, `safety_checker/`, `vae/`, `embeddings/`. */
  modelsDir: string;
  /** Where output nodes write files. */
  outputDir: string;
  /** Where LoadImage reads uploads from. */
  inputDir: string;
  /** Where PreviewImage writes throwaway files (ComfyUI's `temp` type). */
  tempDir: string;
  device: DeviceChoice;
  /** Intra-op threads for onnxruntime; 0 lets onnxruntime decide. */
  threads: number;
  /** Folder of onnxruntime's optimized-model cache (warm loads); unset or empty turns it off. */
  cacheDir?: string;
  /**
   * Weight precision of every session: `fp32` (default) or `int8` (MatMul weights quantized; opt-in and
   * not recommended on CPUs without VNNI, see runtime/onnx-model/quantize-int8.ts). LoRA branch sessions stay fp32.
   */
  precision?: 'fp32' | 'int8';
  /** Where ONNX models built from checkpoints are cached (`built/`, `hashes.json`); default `<modelsDir>/.loom`. */
  builtCacheDir?: string;
}
