/**
 * What a ComfyUI client sent along with a graph, kept in `graph.meta.comfy` so output nodes can embed it
 * in PNGs exactly as ComfyUI does: the API prompt as received (the `prompt` chunk) and the client's
 * `extra_data.extra_pnginfo` (one chunk per key, `workflow` being the UI graph). Graph meta is not part of
 * any cache key, so carrying it never causes a re-run.
 */
import { z } from 'zod';
import type { Graph } from './graph.ts';

const ComfyOriginSchema = z.looseObject({
  prompt: z.unknown().optional(),
  extraPngInfo: z.record(z.string(), z.unknown()).optional(),
});
export type ComfyOrigin = z.infer<typeof ComfyOriginSchema>;

export function comfyOriginOf(graph: Graph): ComfyOrigin | undefined {
  const parsed = ComfyOriginSchema.safeParse(graph.meta?.comfy);
  return parsed.success ? parsed.data : undefined;
}

/** The graph with `origin` merged into `meta.comfy` (fields of `origin` win). */
export function withComfyOrigin(graph: Graph, origin: ComfyOrigin): Graph {
  return { ...graph, meta: { ...graph.meta, comfy: { ...comfyOriginOf(graph), ...origin } } };
}
