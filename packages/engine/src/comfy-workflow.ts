/**
 * ComfyUI's UI workflow format (the litegraph JSON its "Save" writes: `nodes` with `widgets_values`,
 * `inputs` holding link ids, a `links` table, `groups`, `Reroute` and `PrimitiveNode` helpers, node
 * `mode` 0/2/4) turned into an API-format prompt the way ComfyUI's frontend does it (`graphToPrompt`),
 * then into a native graph. Browser-safe: the node catalog comes in as parameters.
 *
 * Widget values have no names in this format; they are matched by position against each class's declared
 * parameter order (which is ComfyUI's widget order for the aliased nodes). Two frontend-only values are
 * skipped: the `control_after_generate` choice after a seed ("fixed", "randomize", …) and the "image"
 * value of the upload button after an input-folder file widget.
 */
import { z } from 'zod';
import { importComfyPrompt, type NodeShapes } from './comfy.ts';
import { comfyInputNamer, type ComfyMap } from './comfy-map.ts';
import { LoomError } from './errors.ts';
import type { Graph } from './graph.ts';

const Id = z.union([z.number(), z.string()]);
const LinkArray = z.tuple([Id, Id, z.number(), Id, z.number()]).rest(z.unknown());
const LinkObject = z.looseObject({ id: Id, origin_id: Id, origin_slot: z.number(), target_id: Id, target_slot: z.number() });
const Point = z.union([z.tuple([z.number(), z.number()]), z.looseObject({ 0: z.number(), 1: z.number() })]);
const UiNode = z.looseObject({
  id: Id,
  type: z.string().min(1),
  pos: Point.optional(),
  size: Point.optional(),
  mode: z.number().optional(),
  title: z.string().optional(),
  inputs: z
    .array(z.looseObject({ name: z.string(), link: z.number().nullable().optional(), widget: z.looseObject({ name: z.string() }).optional() }))
    .optional(),
  widgets_values: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});
const Group = z.looseObject({ title: z.string().optional(), bounding: z.array(z.number()).optional(), color: z.string().optional() });
const WorkflowSchema = z.looseObject({
  nodes: z.array(UiNode),
  links: z.array(z.union([LinkArray, LinkObject])).default([]),
  groups: z.array(Group).default([]),
});
export type ComfyWorkflow = z.input<typeof WorkflowSchema>;
type UiNodeValue = z.infer<typeof UiNode>;

/** One widget of a class, under its ComfyUI name. */
export interface WidgetSpec {
  name: string;
  /** A seed: the frontend stores a control_after_generate choice after its value. */
  control?: boolean;
  /** An input-folder file: the frontend stores its upload button's value ("image") after it. */
  upload?: boolean;
}

/** A class's widgets in declaration order, or undefined for an unknown class. */
export type WidgetsOf = (classType: string) => WidgetSpec[] | undefined;

/** Nodes that exist only in the frontend and never reach the server. */
const VIRTUAL = new Set(['Reroute', 'PrimitiveNode', 'Note', 'MarkdownNote']);
const CONTROL_VALUES = new Set(['fixed', 'increment', 'decrement', 'randomize']);
/** The node's property that keeps a Loom node id across an export and re-import. */
export const LOOM_ID_PROPERTY = 'loom id';

export interface WorkflowConversion {
  prompt: Record<string, { class_type: string; inputs: Record<string, unknown>; _meta: { title: string } }>;
  /** Litegraph mode 2 (never) → mute, 4 (bypass) → bypass, by node id. */
  modes: Record<string, 'mute' | 'bypass'>;
  ui: Record<string, { position?: [number, number]; size?: [number, number] }>;
  groups: { title: string; bounding: number[]; color?: string }[];
}

/** True for a UI workflow (`nodes` is an array), as opposed to a native graph or an API prompt. */
export function isComfyWorkflow(document: unknown): boolean {
  return typeof document === 'object' && document !== null && Array.isArray((document as { nodes?: unknown }).nodes);
}

const pair = (p: z.infer<typeof Point> | undefined): [number, number] | undefined =>
  p === undefined ? undefined : Array.isArray(p) ? [p[0], p[1]] : [p[0], p[1]];

export function comfyWorkflowToPrompt(workflow: unknown, widgetsOf: WidgetsOf): WorkflowConversion {
  const parsed = WorkflowSchema.safeParse(workflow);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LoomError('INVALID_GRAPH', `Malformed ComfyUI workflow at ${issue?.path.join('.') || 'top level'}: ${issue?.message}.`);
  }
  const { nodes, links, groups } = parsed.data;
  if ('definitions' in parsed.data && (parsed.data.definitions as { subgraphs?: unknown[] } | undefined)?.subgraphs?.length) {
    throw new LoomError(
      'INVALID_GRAPH',
      'This workflow uses subgraphs, which Loom cannot import yet; convert them back to nodes in ComfyUI ("Unpack subgraph") and save again.',
    );
  }
  const byId = new Map(nodes.map((n) => [String(n.id), n]));
  const idOf = (n: UiNodeValue): string => String(typeof n.properties?.[LOOM_ID_PROPERTY] === 'string' ? n.properties[LOOM_ID_PROPERTY] : n.id);
  const linkTable = new Map<number, { origin: string; slot: number }>();
  for (const link of links) {
    const [id, origin, slot] = Array.isArray(link) ? [link[0], link[1], link[2]] : [link.id, link.origin_id, link.origin_slot];
    linkTable.set(Number(id), { origin: String(origin), slot });
  }

  /** What feeds an input: a link to a real node's output, a PrimitiveNode's value, or nothing. */
  const source = (linkId: number | null | undefined, seen = new Set<number>()): { link: [string, number] } | { value: unknown } | undefined => {
    if (linkId === null || linkId === undefined || seen.has(linkId)) return undefined;
    seen.add(linkId);
    const link = linkTable.get(linkId);
    const origin = link && byId.get(link.origin);
    if (!link || !origin) return undefined;
    if (origin.type === 'Reroute') return source(origin.inputs?.[0]?.link, seen);
    if (origin.type === 'PrimitiveNode') return Array.isArray(origin.widgets_values) ? { value: origin.widgets_values[0] } : undefined;
    return { link: [idOf(origin), link.slot] };
  };

  const out: WorkflowConversion = {
    prompt: {},
    modes: {},
    ui: {},
    groups: groups.map((g) => ({ title: g.title ?? '', bounding: g.bounding ?? [], ...(g.color !== undefined && { color: g.color }) })),
  };
  for (const node of nodes) {
    if (VIRTUAL.has(node.type)) continue;
    const id = idOf(node);
    const inputs: Record<string, unknown> = {};
    const widgets = widgetsOf(node.type) ?? [];
    const values = node.widgets_values;
    if (Array.isArray(values)) {
      let at = 0;
      for (const [i, widget] of widgets.entries()) {
        if (widgets[i - 1]?.upload && values[at] === 'image') at++;
        if (at >= values.length) break;
        inputs[widget.name] = values[at++];
        if (widget.control && typeof values[at] === 'string' && CONTROL_VALUES.has(values[at] as string)) at++;
      }
    } else if (values) {
      for (const widget of widgets) if (widget.name in values) inputs[widget.name] = values[widget.name];
    }
    for (const input of node.inputs ?? []) {
      const from = source(input.link);
      const name = input.widget?.name ?? input.name;
      if (from && 'link' in from) inputs[name] = from.link;
      else if (from) inputs[name] = from.value;
    }
    out.prompt[id] = { class_type: node.type, inputs, _meta: { title: node.title ?? node.type } };
    if (node.mode === 2) out.modes[id] = 'mute';
    else if (node.mode === 4) out.modes[id] = 'bypass';
    const position = pair(node.pos);
    const size = pair(node.size);
    out.ui[id] = { ...(position && { position }), ...(size && { size }) };
  }
  return out;
}

/** Widget specs from a registry and its ComfyUI aliases: each class's parameters, under ComfyUI's names. */
export function registryWidgets(registry: NodeShapes, map: ComfyMap): WidgetsOf {
  return (classType) => {
    const mapping = map[classType];
    const def = registry.get(mapping?.type ?? classType);
    if (!def) return undefined;
    const comfyName = comfyInputNamer(mapping);
    return Object.entries(def.params).map(([name, spec]) => ({
      name: comfyName(name),
      ...(spec.widget === 'seed' && { control: true }),
      ...(typeof spec.widget === 'object' && spec.widget.file === 'input' && { upload: true }),
    }));
  };
}

/**
 * A UI workflow as a native graph: nodes keep their titles, positions, sizes and modes; groups go to
 * `meta.groups`; the workflow itself is kept as `meta.comfy.extraPngInfo.workflow`, which output nodes
 * embed in PNGs as ComfyUI does.
 */
export function importComfyWorkflow(workflow: unknown, registry: NodeShapes, map: ComfyMap = {}): Graph {
  const conversion = comfyWorkflowToPrompt(workflow, registryWidgets(registry, map));
  const graph = importComfyPrompt(conversion.prompt, registry, map);
  for (const [id, node] of Object.entries(graph.nodes)) {
    const mode = conversion.modes[id];
    if (mode) node.mode = mode;
    node.ui = { ...node.ui, ...conversion.ui[id] };
  }
  return {
    ...graph,
    meta: { ...(conversion.groups.length > 0 && { groups: conversion.groups }), comfy: { prompt: conversion.prompt, extraPngInfo: { workflow } } },
  };
}
