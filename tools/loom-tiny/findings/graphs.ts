/**
 * The findings' pictures as Loom graphs, built on the quality check's txt2img graph (quality/render.ts,
 * the demo's settings): another negative prompt, and the three ways to a 2× picture the seed compared.
 *
 * - `direct`: EmptyLatent at 2× the trained size, one 20-step pass.
 * - `hires`: the trained size, then LatentUpscale (bilinear) to 2× and a second pass at denoise 0.5
 *   (the A1111/ComfyUI "hires fix", graphs/hires-fix-tiny-sd15.json).
 * - `model`: the trained size decoded, then ImageUpscaleWithModel (models/upscale_models) and ImageScale
 *   (lanczos3) to 2×, as graphs/hires-fix-esrgan-tiny-sd15.json does before its img2img pass.
 */
import type { Graph } from '@loom/engine';
import { qualityGraph, RENDER_SETTINGS, type RenderRequest } from '../quality/render.ts';

export type Route = 'trained' | 'direct' | 'hires' | 'model';

export interface FindingRequest extends RenderRequest {
  negative?: string;
  route?: Route;
}

/** The upscaler for the `model` route (inside models/upscale_models). */
export const UPSCALE_MODEL = 'tiny-esrgan-4x.onnx';

/** The graph for one picture and the node whose `images` output is that picture. */
export function findingGraph(request: FindingRequest, pipeline: string = RENDER_SETTINGS.pipeline): { graph: Graph; target: string } {
  const graph = qualityGraph(request, pipeline);
  const nodes = graph.nodes;
  const size = RENDER_SETTINGS.size;
  if (request.negative !== undefined) (nodes.negative as { inputs: Record<string, unknown> }).inputs.text = request.negative;
  const link = (node: string, output: string) => ({ node, output });
  const sampler = nodes.sampler as { type: string; inputs: Record<string, unknown> };
  switch (request.route ?? 'trained') {
    case 'trained':
      return { graph, target: 'decode' };
    case 'direct':
      (nodes.latent as { inputs: Record<string, unknown> }).inputs = { width: 2 * size, height: 2 * size, batchSize: 1 };
      return { graph, target: 'decode' };
    case 'hires':
      nodes.upscale = {
        type: 'LatentUpscale',
        inputs: { latent: link('sampler', 'latent'), method: 'bilinear', width: 2 * size, height: 2 * size, crop: 'disabled' },
      };
      nodes.refine = { type: 'UNetSampler', inputs: { ...sampler.inputs, latent: link('upscale', 'latent'), denoise: 0.5 } };
      nodes.out = { type: 'VAEDecode', inputs: { vae: link('loader', 'vae'), latent: link('refine', 'latent') } };
      return { graph, target: 'out' };
    case 'model':
      nodes.upscaler = { type: 'UpscaleModelLoader', inputs: { modelName: UPSCALE_MODEL } };
      nodes.esrgan = {
        type: 'ImageUpscaleWithModel',
        inputs: { upscaleModel: link('upscaler', 'upscaleModel'), images: link('decode', 'images'), tileSize: 0, tileOverlap: 0 },
      };
      nodes.out = { type: 'ImageScale', inputs: { images: link('esrgan', 'images'), method: 'lanczos3', width: 2 * size, height: 2 * size, crop: 'disabled' } };
      return { graph, target: 'out' };
  }
}
