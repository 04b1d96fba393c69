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
  /**
   * How the UNet runs classifier-free guidance: `joint` (default) batches the unconditional and
   * conditional passes in one call; `split` runs them (and every image of a batch) as separate calls,
   * for about half the peak memory at large latents at no loss of speed (sd/row-by-row.ts has the figures).
   */
  cfgBatch?: 'joint' | 'split';
  /** Where ONNX models built from checkpoints are cached (`built/`, `hashes.json`); default `<modelsDir>/.loom`. */
  builtCacheDir?: string;
}
