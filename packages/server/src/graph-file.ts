/** Reading a graph file from disk (native, ComfyUI API format or ComfyUI UI workflow), with errors that name the file. */
import { readFile } from 'node:fs/promises';
import {
  LoomError,
  importComfyPrompt,
  importComfyWorkflow,
  isComfyPrompt,
  isComfyWorkflow,
  withComfyOrigin,
  type ComfyMap,
  type NodeRegistry,
} from '@loom/engine';

/** Returns the document as a native graph (ComfyUI prompts are converted). Validation happens later. */
export async function readGraphFile(path: string, registry: NodeRegistry, comfyMap: ComfyMap): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new LoomError('USAGE', `Cannot read graph file ${path}: ${reason}.`, { cause: err });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new LoomError('INVALID_GRAPH', `${path} is not valid JSON: ${(err as Error).message}.`, { cause: err });
  }
  return importGraphDocument(document, registry, comfyMap);
}

/**
 * A parsed document as a native graph: a ComfyUI UI workflow ("Save") or API prompt ("Save (API
 * Format)", bare or as a POST /prompt body) is converted and remembered in `meta.comfy`, so saved PNGs
 * carry it as ComfyUI would; anything else is returned as is for validation to judge.
 */
function importGraphDocument(document: unknown, registry: NodeRegistry, comfyMap: ComfyMap): unknown {
  if (isComfyWorkflow(document)) return importComfyWorkflow(document, registry, comfyMap);
  const prompt = typeof document === 'object' && document !== null && 'prompt' in document ? (document as { prompt: unknown }).prompt : document;
  return isComfyPrompt(prompt) ? withComfyOrigin(importComfyPrompt(prompt, registry, comfyMap), { prompt }) : document;
}
