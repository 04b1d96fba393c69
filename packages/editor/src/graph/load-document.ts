/**
 * Turns a dropped or opened file into a native graph: a PNG made by Loom (its `loom` chunk, or
 * the ComfyUI `prompt` chunk when the native one is absent, e.g. a ComfyUI image), a native graph JSON,
 * or a ComfyUI API-format JSON (bare, or wrapped as `{"prompt": {...}}` like a POST /prompt body).
 */
import type { Graph } from '../api/types.ts';
import { isComfyPrompt, isComfyWorkflow } from '@loom/engine/browser';
import type { ComfyImporter } from './comfy-import.ts';
import { isPng, readPngText } from './png-text.ts';

export interface LoadedDocument {
  graph: Graph;
  /** What the graph came from, for messages: "PNG workflow", "ComfyUI prompt"… */
  source: string;
}

function isNativeGraph(value: unknown): value is Graph {
  return (
    typeof value === 'object' && value !== null && (value as { version?: unknown }).version === 1 && typeof (value as { nodes?: unknown }).nodes === 'object'
  );
}

/** Interprets parsed JSON as a native graph or a ComfyUI prompt. */
export function graphFromJson(value: unknown, comfy: ComfyImporter, what: string): LoadedDocument {
  if (isNativeGraph(value)) return { graph: value, source: `${what} (Loom graph)` };
  const prompt = typeof value === 'object' && value !== null && 'prompt' in value ? (value as { prompt: unknown }).prompt : value;
  if (isComfyPrompt(prompt)) return { graph: comfy.prompt(prompt), source: `${what} (ComfyUI API prompt)` };
  if (isComfyWorkflow(value)) return { graph: comfy.workflow(value), source: `${what} (ComfyUI workflow)` };
  throw new Error(`${what} is neither a Loom graph ({"version": 1, "nodes": {...}}) nor a ComfyUI API-format prompt or UI workflow.`);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads a PNG's embedded graph. */
function graphFromPng(bytes: Uint8Array, comfy: ComfyImporter, what: string): LoadedDocument {
  const text = readPngText(bytes);
  if (text.loom !== undefined) {
    const graph = parseJson(text.loom, `${what}'s loom chunk`);
    if (isNativeGraph(graph)) return { graph, source: `${what} (embedded Loom graph)` };
  }
  // Loom wrote its native graph under `workflow` before it had a `loom` chunk.
  if (text.workflow !== undefined) {
    const workflow = parseJson(text.workflow, `${what}'s workflow chunk`);
    if (isNativeGraph(workflow)) return { graph: workflow, source: `${what} (embedded Loom workflow)` };
  }
  if (text.prompt !== undefined) return graphFromJson(parseJson(text.prompt, `${what}'s prompt chunk`), comfy, `${what}'s prompt chunk`);
  throw new Error(`${what} carries no graph: it has no "workflow" or "prompt" text chunk (only images saved by Loom or ComfyUI do).`);
}

/** Reads any supported file. */
export async function loadDocumentFile(file: File, comfy: ComfyImporter): Promise<LoadedDocument> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (isPng(bytes)) return graphFromPng(bytes, comfy, file.name);
  if (file.type.startsWith('image/')) throw new Error(`${file.name} is not a PNG; only PNGs carry their graph.`);
  return graphFromJson(parseJson(new TextDecoder().decode(bytes), file.name), comfy, file.name);
}
