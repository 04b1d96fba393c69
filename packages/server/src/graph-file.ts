/** Reading a graph file from disk, native or ComfyUI API format, with errors that name the file. */
import { readFile } from 'node:fs/promises';
import { LoomError, importComfyPrompt, isComfyPrompt, type ComfyMap, type NodeRegistry } from '@loom/engine';

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
  // ComfyUI clients post {"prompt": {...}}; a saved API-format file is the bare prompt.
  const prompt = typeof document === 'object' && document !== null && 'prompt' in document ? (document as { prompt: unknown }).prompt : document;
  return isComfyPrompt(prompt) ? importComfyPrompt(prompt, registry, comfyMap) : document;
}
