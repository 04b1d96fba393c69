/**
 * What a saved PNG says about how it was made: ComfyUI's `prompt` (API format) and `workflow` keys, and
 * A1111's `parameters` text (prompt, `Negative prompt:`, then `Steps: …, Sampler: …` pairs).
 */
import { exportComfyPrompt, type Graph, type NodeRegistry } from '@loom/engine';
import type { Provenance } from '../ports.ts';

/** Our sampler/scheduler names in A1111's spelling. */
const A1111_SAMPLERS: Record<string, string> = {
  euler: 'Euler',
  euler_ancestral: 'Euler a',
  ddim: 'DDIM',
  dpmpp_2m: 'DPM++ 2M',
  lcm: 'LCM',
};

export function a1111Parameters(meta: Provenance, width: number, height: number): string {
  const loraTags = (meta.loras ?? []).map((l) => ` <lora:${l.name.replace(/\.safetensors$/, '')}:${l.strength}>`).join('');
  const sampler = meta.sampler ? `${A1111_SAMPLERS[meta.sampler.replace(/_karras$/, '')] ?? meta.sampler}${meta.sampler.endsWith('_karras') ? ' Karras' : ''}` : undefined;
  const pairs: [string, unknown][] = [
    ['Steps', meta.steps],
    ['Sampler', sampler],
    ['CFG scale', meta.cfg],
    ['Seed', meta.seed],
    ['Size', `${width}x${height}`],
    ['Model', meta.model],
    ['Denoising strength', meta.denoise !== undefined && meta.denoise < 1 ? meta.denoise : undefined],
  ];
  const settings = pairs.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${String(v)}`).join(', ');
  return `${meta.prompt ?? ''}${loraTags}\nNegative prompt: ${meta.negativePrompt ?? ''}\n${settings}`;
}

export function pngTextEntries(graph: Graph, registry: NodeRegistry, meta: Provenance, width: number, height: number): Record<string, string> {
  const entries: Record<string, string> = { parameters: a1111Parameters(meta, width, height), workflow: JSON.stringify(graph) };
  try {
    entries.prompt = JSON.stringify(exportComfyPrompt(graph, registry));
  } catch {
    // A graph that cannot be expressed in API format still keeps its native form under `workflow`.
  }
  return entries;
}
