/**
 * What a saved PNG says about how it was made, in ComfyUI's and A1111's chunks (tEXt, as ComfyUI's
 * SaveImage writes them with `json.dumps`):
 * - `prompt`: the API-format prompt the client sent, or Loom's graph in API format;
 * - one chunk per key of the client's `extra_pnginfo` (the frontend sends `workflow`, its UI graph), or,
 *   when none was sent, `workflow` = Loom's graph in ComfyUI's UI format, so ComfyUI can open the image;
 * - `parameters`: A1111's text (prompt, `Negative prompt:`, then `Steps: …, Sampler: …` pairs);
 * - `loom`: the native graph, which Loom's editor reopens exactly.
 */
import { comfyOriginOf, exportComfyPrompt, exportComfyWorkflow, type Graph, type NodeRegistry } from '@loom/engine';
import type { Provenance, UsedEmbedding } from '../ports.ts';
import type { Sampler } from '../sd/schedulers/index.ts';
import { pythonJsonDumps } from './python-json.ts';

/** UNetSampler's samplers in A1111's spelling (typed by the one list, so a new sampler needs its name here). */
const A1111_SAMPLERS: Readonly<Record<Sampler, string>> = {
  euler: 'Euler',
  euler_ancestral: 'Euler a',
  ddim: 'DDIM',
  dpmpp_2m: 'DPM++ 2M',
  lcm: 'LCM',
};

/**
 * A1111's `TI hashes` value, quoted as its `create_infotext` quotes values with `:` or `,` (JSON string):
 * `"name: hash, …"`, names without `:` and `,` (modules/sd_hijack_clip.py `forward`).
 */
function tiHashes(embeddings: readonly UsedEmbedding[] | undefined): string | undefined {
  if (!embeddings?.length) return undefined;
  return JSON.stringify(embeddings.map((e) => `${e.name.replaceAll(':', '').replaceAll(',', '')}: ${e.hash}`).join(', '));
}

export function a1111Parameters(meta: Provenance, width: number, height: number): string {
  const loraTags = (meta.loras ?? []).map((l) => ` <lora:${l.name.replace(/\.safetensors$/, '')}:${l.strength}>`).join('');
  const sampler = meta.sampler
    ? `${(A1111_SAMPLERS as Readonly<Record<string, string>>)[meta.sampler.replace(/_karras$/, '')] ?? meta.sampler}${meta.sampler.endsWith('_karras') ? ' Karras' : ''}`
    : undefined;
  const pairs: [string, unknown][] = [
    ['Steps', meta.steps],
    ['Sampler', sampler],
    ['CFG scale', meta.cfg],
    ['Seed', meta.seed],
    ['Size', `${width}x${height}`],
    ['Model', meta.model],
    ['Denoising strength', meta.denoise !== undefined && meta.denoise < 1 ? meta.denoise : undefined],
    ['TI hashes', tiHashes(meta.embeddings)],
  ];
  const settings = pairs
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
  return `${meta.prompt ?? ''}${loraTags}\nNegative prompt: ${meta.negativePrompt ?? ''}\n${settings}`;
}

/** `f()`, or undefined when the graph cannot be expressed that way (it still keeps its `loom` chunk). */
function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** The text chunks, in the order they are written. */
export function pngTextEntries(graph: Graph, registry: NodeRegistry, meta: Provenance, width: number, height: number): Record<string, string> {
  const origin = comfyOriginOf(graph);
  const entries: Record<string, string> = {};
  const prompt = origin?.prompt ?? attempt(() => exportComfyPrompt(graph, registry));
  if (prompt !== undefined) entries.prompt = pythonJsonDumps(prompt);
  const extra = origin?.extraPngInfo ?? {};
  for (const [key, value] of Object.entries(extra)) entries[key] = pythonJsonDumps(value);
  if (!('workflow' in extra)) {
    const workflow = attempt(() => exportComfyWorkflow(graph, registry));
    if (workflow !== undefined) entries.workflow = pythonJsonDumps(workflow);
  }
  entries.parameters = a1111Parameters(meta, width, height);
  const { comfy: _sent, ...ownMeta } = graph.meta ?? {};
  entries.loom = JSON.stringify({ ...graph, ...(graph.meta && { meta: ownMeta }) });
  return entries;
}
