/**
 * ComfyUI API-format prompts (`{"<id>": {"class_type", "inputs"}}`, links as `[id, outputIndex]`) turned
 * into native graphs in the browser, following the engine's `importComfyPrompt`
 * (packages/engine/src/comfy.ts). The class/port map is rebuilt from what the server publishes: the
 * catalog's `comfyAliases` (class → our type) and `/object_info`, whose alias entries list ComfyUI's
 * input names in the same order as our type's ports and parameters (server comfy/object-info.ts).
 */
import type { CatalogEntry, Graph, NodeInstance, ObjectInfo, ServerCatalog } from '../api/types.ts';

export interface ComfyClass {
  type: string;
  /** ComfyUI input name → ours. */
  inputs: Record<string, string>;
  /** Our output names in ComfyUI's output order. */
  outputs: string[];
}

/** Builds the class map: every catalog type under its own name, plus every alias. */
export function comfyClassMap(catalog: ServerCatalog, objectInfo: ObjectInfo): Map<string, ComfyClass> {
  const entries = new Map(catalog.nodes.map((n) => [n.type, n]));
  const map = new Map<string, ComfyClass>();
  for (const entry of catalog.nodes) map.set(entry.type, { type: entry.type, inputs: {}, outputs: entry.outputs.map((o) => o.name) });
  for (const [className, type] of Object.entries(catalog.comfyAliases)) {
    const entry = entries.get(type);
    if (entry) map.set(className, aliasOf(type, entry, objectInfo[className]));
  }
  return map;
}

function aliasOf(type: string, entry: CatalogEntry, info: ObjectInfo[string] | undefined): ComfyClass {
  const ours = {
    required: [...entry.inputs.filter((i) => !i.optional).map((i) => i.name), ...entry.params.map((p) => p.name)],
    optional: entry.inputs.filter((i) => i.optional).map((i) => i.name),
  };
  const theirs = {
    required: info?.input_order?.required ?? Object.keys(info?.input.required ?? {}),
    optional: info?.input_order?.optional ?? Object.keys(info?.input.optional ?? {}),
  };
  const inputs: Record<string, string> = {};
  for (const group of ['required', 'optional'] as const) {
    theirs[group].forEach((name, i) => {
      const mine = ours[group][i];
      if (mine !== undefined && mine !== name) inputs[name] = mine;
    });
  }
  // Alias outputs are listed by type in ComfyUI's order; match each to our output of that type.
  const free = [...entry.outputs];
  const outputs = (info?.output ?? entry.outputs.map((o) => o.type)).map((t) => {
    const at = free.findIndex((o) => o.type === t);
    return at < 0 ? `#${t}` : (free.splice(at, 1)[0] as { name: string }).name;
  });
  return { type, inputs, outputs };
}

/** True for a document shaped like an API-format prompt (engine `isComfyPrompt`). */
export function isComfyPrompt(document: unknown): document is Record<string, { class_type: string; inputs?: Record<string, unknown>; _meta?: { title?: string } }> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return false;
  if ('version' in document && 'nodes' in document) return false;
  const values = Object.values(document);
  return values.length > 0 && values.every((n) => typeof n === 'object' && n !== null && typeof (n as { class_type?: unknown }).class_type === 'string');
}

function isComfyLink(value: unknown): value is [string | number, number] {
  return Array.isArray(value) && value.length === 2 && (typeof value[0] === 'string' || typeof value[0] === 'number') && Number.isInteger(value[1]) && (value[1] as number) >= 0;
}

/** Converts a prompt; unknown classes keep their name so validation reports them by node. */
export function importComfyPrompt(prompt: unknown, classes: Map<string, ComfyClass>): Graph {
  if (!isComfyPrompt(prompt)) throw new Error('Not a ComfyUI API-format prompt: expected {"<id>": {"class_type": ..., "inputs": {...}}}.');
  const nodes: Record<string, NodeInstance> = {};
  for (const [id, node] of Object.entries(prompt)) {
    const mapping = classes.get(node.class_type);
    const inputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(node.inputs ?? {})) {
      if (name === 'upload') continue; // ComfyUI's LoadImage upload button state, not an input
      const ours = mapping?.inputs[name] ?? name;
      if (isComfyLink(value)) {
        const upstream = prompt[String(value[0])];
        const output = upstream ? classes.get(upstream.class_type)?.outputs[value[1]] : undefined;
        inputs[ours] = { node: String(value[0]), output: output ?? `#${value[1]}` };
      } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && '__value__' in value) {
        inputs[ours] = (value as { __value__: unknown }).__value__;
      } else {
        inputs[ours] = value;
      }
    }
    const title = node._meta?.title;
    nodes[id] = { type: mapping?.type ?? node.class_type, inputs, ...(title !== undefined && title !== node.class_type && { ui: { title } }) };
  }
  return { version: 1, nodes };
}

