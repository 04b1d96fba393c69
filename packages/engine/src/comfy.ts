/**
 * ComfyUI API-format prompts (`{"<id>": {"class_type", "inputs", "_meta"}}`, links as `[id, outputIndex]`,
 * list literals as `{"__value__": [...]}`) converted to and from our native graph document, through a
 * class/port map that a node pack supplies (its aliases of ComfyUI's core nodes).
 */
import { z } from 'zod';
import { LoomError } from './errors.ts';
import { isLink, type Graph, type NodeInstance } from './graph.ts';
import type { Widget } from './node.ts';
import { comfyClassByType, comfyInputNamer, type ComfyMap } from './comfy-map.ts';

/**
 * What the ComfyUI converters need to know of our node types: output names in order and parameters
 * (with their widgets) in order. A {@link NodeRegistry} is one; the editor builds one from the catalog.
 */
export interface NodeShapes {
  get(
    type: string,
  ): { readonly outputs: Readonly<Record<string, unknown>>; readonly params: Readonly<Record<string, { readonly widget?: Widget }>> } | undefined;
}

const ComfyLinkSchema = z.tuple([z.union([z.string(), z.number()]), z.number().int().nonnegative()]);
const ComfyPromptSchema = z.record(
  z.string(),
  z.looseObject({
    class_type: z.string().min(1),
    inputs: z.record(z.string(), z.unknown()).default({}),
    _meta: z.looseObject({ title: z.string().optional() }).optional(),
  }),
);
export type ComfyPrompt = z.input<typeof ComfyPromptSchema>;

/** True for a document that looks like an API-format prompt rather than a native graph. */
export function isComfyPrompt(document: unknown): boolean {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return false;
  if ('version' in document && 'nodes' in document) return false;
  const values = Object.values(document);
  return values.length > 0 && values.every((n) => typeof n === 'object' && n !== null && 'class_type' in n);
}

export function importComfyPrompt(prompt: unknown, registry: NodeShapes, map: ComfyMap = {}): Graph {
  const parsed = ComfyPromptSchema.safeParse(prompt);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LoomError('INVALID_GRAPH', `Malformed ComfyUI prompt at ${issue?.path.join('.') || 'top level'}: ${issue?.message}.`, {
      ...(issue?.path[0] !== undefined && { nodeId: String(issue.path[0]) }),
    });
  }
  const outputsOf = (classType: string): string[] => {
    const mapping = map[classType];
    return mapping?.outputs ?? Object.keys(registry.get(mapping?.type ?? classType)?.outputs ?? {});
  };
  const nodes: Record<string, NodeInstance> = {};
  for (const [id, node] of Object.entries(parsed.data)) {
    const mapping = map[node.class_type];
    const inputs: NodeInstance['inputs'] = {};
    for (const [name, value] of Object.entries(node.inputs)) {
      if (mapping?.ignore?.includes(name)) continue;
      const ours = mapping?.inputs?.[name] ?? name;
      const link = ComfyLinkSchema.safeParse(value);
      if (link.success) {
        const [upstreamId, index] = link.data;
        const upstream = parsed.data[String(upstreamId)];
        const output = upstream ? outputsOf(upstream.class_type)[index] : undefined;
        // An unknown upstream or index still becomes a link, so validation reports it by name.
        inputs[ours] = { node: String(upstreamId), output: output ?? `#${index}` };
      } else {
        inputs[ours] = unwrapListLiteral(value);
      }
    }
    const title = node._meta?.title;
    nodes[id] = { type: mapping?.type ?? node.class_type, inputs, ...(title !== undefined && { ui: { title } }) };
  }
  return { version: 1, nodes };
}

function unwrapListLiteral(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && '__value__' in value) {
    return (value as { __value__: unknown }).__value__;
  }
  return value;
}

export interface ComfyExportOptions {
  /** Emit ComfyUI class names for nodes that have an alias in this map (first alias wins). */
  map?: ComfyMap;
}

export function exportComfyPrompt(graph: Graph, registry: NodeShapes, options: ComfyExportOptions = {}): Record<string, unknown> {
  const aliasOf = comfyClassByType(options.map ?? {});
  const outputsOf = (type: string): string[] => aliasOf.get(type)?.[1].outputs ?? Object.keys(registry.get(type)?.outputs ?? {});
  const prompt: Record<string, unknown> = {};
  for (const [id, node] of Object.entries(graph.nodes)) {
    const [classType, mapping] = aliasOf.get(node.type) ?? [node.type, undefined];
    const comfyNameOf = comfyInputNamer(mapping);
    const inputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(node.inputs)) {
      const comfyName = comfyNameOf(name);
      if (isLink(value)) {
        const upstream = graph.nodes[value.node];
        const index = upstream ? outputsOf(upstream.type).indexOf(value.output) : -1;
        if (index < 0) {
          throw new LoomError(
            'LINK_TO_MISSING_OUTPUT',
            `Cannot export: input "${name}" of node "${id}" links to unknown output "${value.node}.${value.output}".`,
            { nodeId: id, input: name },
          );
        }
        inputs[comfyName] = [value.node, index];
      } else {
        inputs[comfyName] = Array.isArray(value) ? { __value__: value } : value;
      }
    }
    prompt[id] = { class_type: classType, inputs, _meta: { title: node.ui?.title ?? classType } };
  }
  return prompt;
}
