/**
 * The graph builder: ONNX graphs of Stable Diffusion components built in TypeScript from diffusers
 * configs and weights (a {@link WeightSource} in diffusers naming), written in the Optimum layout so
 * the pipeline loader, the LoRA mapping and LoraBranchSession treat them like exports.
 */
import type { ModelComponents } from '../weights/components.ts';
import { writeGraphs } from './build-pipeline.ts';

export { buildTextEncoder } from './clip-text.ts';
export { buildUnet } from './unet.ts';
export { buildVaeDecoder, buildVaeEncoder } from './vae.ts';
export { buildPipeline, buildGraphs, writeGraphs, type BuildOptions, type BuildProgress } from './build-pipeline.ts';
export { writeModel, BUILDER_VERSION, DATA_FILE, type WriteOptions } from './write-model.ts';
export type { GraphBuilder } from './graph.ts';
export type { AttentionKind, ComponentOptions } from './layers.ts';

/** Where and how the built-model cache asks for a build (weights/cache/pipeline-files.ts writes the rest of the folder). */
export interface BuildPipelineOptions {
  /** Empty folder to write the ONNX model folders into. */
  readonly outDir: string;
  /** Weight bytes written out of the total, for the loader's progress bar. */
  readonly progress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** Writes the ONNX models of `components` into `options.outDir`, one Optimum-layout folder each with its `config.json`. */
export async function buildPipelineOnnx(components: ModelComponents, options: BuildPipelineOptions): Promise<void> {
  const { progress, signal } = options;
  await writeGraphs(components, options.outDir, { ...(signal && { signal }), ...(progress && { progress: (p) => progress(p.done, p.total) }) });
}
