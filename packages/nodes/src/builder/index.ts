/**
 * The graph builder: ONNX graphs of Stable Diffusion components built in TypeScript from diffusers
 * configs and weights (a {@link WeightSource} in diffusers naming), written in the Optimum layout so
 * the pipeline loader, the LoRA mapping and LoraBranchSession treat them like exports.
 */
export { buildTextEncoder } from './clip-text.ts';
export { buildUnet } from './unet.ts';
export { buildVaeDecoder, buildVaeEncoder } from './vae.ts';
export { buildPipeline, buildGraphs, type BuildOptions, type BuildProgress } from './build-pipeline.ts';
export { writeModel, BUILDER_VERSION, DATA_FILE, type WriteOptions } from './write-model.ts';
export type { GraphBuilder } from './graph.ts';
export type { AttentionKind, ComponentOptions } from './layers.ts';
