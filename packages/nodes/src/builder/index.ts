/**
 * The ONNX graph builder's entry point (issue 15 part 3). SIGNATURE ONLY on this branch: the builder
 * itself is written on another branch and replaces this file when merged.
 *
 * Contract with the loading surface (weights/built-pipeline.ts):
 * - `buildPipelineOnnx(components, { outDir, progress, signal })` writes, under `outDir`, one folder
 *   per model in Optimum's ONNX layout and I/O contract: `text_encoder/model.onnx`,
 *   `text_encoder_2/model.onnx` (SDXL), `unet/model.onnx`, `vae_encoder/model.onnx`,
 *   `vae_decoder/model.onnx`, large weights as external data beside each.
 * - The caller writes everything else (`model_index.json`, `scheduler/`, `tokenizer/`, `tokenizer_2/`, configs),
 *   builds into a temporary folder and renames it into the cache when the promise resolves.
 * - `BUILDER_VERSION` is part of the cache key: bump it whenever built graphs change.
 */
import { LoomError } from '@loom/engine';
import type { ModelComponents } from '../weights/components.ts';

/** Part of every built model's cache key; a new builder version rebuilds. */
export const BUILDER_VERSION = '0-unbuilt';

/** Where and how to build. */
export interface BuildPipelineOptions {
  /** Empty folder to write the ONNX model folders into. */
  readonly outDir: string;
  /** Reports work done out of a total (e.g. tensors converted), for the loader's progress bar. */
  readonly progress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** Builds the ONNX models of `components` into `options.outDir`. */
export async function buildPipelineOnnx(components: ModelComponents, options: BuildPipelineOptions): Promise<void> {
  void options;
  throw new LoomError('UNSUPPORTED_MODEL', `Loom cannot build ONNX graphs for this ${components.kind} checkpoint yet: the graph builder is not part of this build (issue 15). Use an ONNX export (optimum-cli export onnx) meanwhile.`);
}
