/**
 * A native graph as ComfyUI's UI workflow (litegraph JSON, version 0.4), the inverse of
 * comfy-workflow.ts: numeric node ids (the Loom id kept in the `loom id` property, so a re-import restores
 * it), a `links` table of `[id, origin, slot, target, slot, type]`, unlinked parameters as
 * `widgets_values` in declaration order (a seed followed by "fixed", an input-folder file by "image", as
 * the frontend stores them), linked parameters as widget inputs, modes 2/4, and `meta.groups` as groups.
 */
import { exportComfyPrompt } from './comfy.ts';
import { comfyClassByType, comfyInputNamer, type ComfyMap } from './comfy-map.ts';
import { isLink, type Graph } from './graph.ts';
import { LOOM_ID_PROPERTY } from './comfy-workflow.ts';
import type { NodeRegistry } from './registry.ts';

interface UiInput {
  name: string;
  type: string;
  link: number | null;
  widget?: { name: string };
}

export function exportComfyWorkflow(graph: Graph, registry: NodeRegistry, options: { map?: ComfyMap } = {}): Record<string, unknown> {
  // The API-format export resolves class aliases, input names and output indices once for both formats.
  const prompt = exportComfyPrompt(graph, registry, options) as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
  const ids = Object.keys(graph.nodes);
  const numeric = new Map(ids.map((id, i) => [id, /^\d+$/.test(id) && !ids.some((o, j) => j < i && Number(o) === Number(id)) ? Number(id) : 0]));
  let next = Math.max(0, ...numeric.values()) + 1;
  for (const [id, n] of numeric) if (n === 0) numeric.set(id, next++);
  const aliasOf = comfyClassByType(options.map ?? {});
  const mappingOf = (type: string) => aliasOf.get(type)?.[1];

  const links: [number, number, number, number, number, string][] = [];
  const outputLinks = new Map<string, number[]>();
  const nodes = ids.map((id, order) => {
    const node = graph.nodes[id] as Graph['nodes'][string];
    const def = registry.get(node.type);
    const classType = prompt[id]?.class_type ?? node.type;
    const nameOf = comfyInputNamer(mappingOf(node.type));
    const inputs: UiInput[] = [];
    const linkInto = (name: string, value: unknown): number | null => {
      if (!isLink(value)) return null;
      const slot = (prompt[id]?.inputs[nameOf(name)] as [string, number] | undefined)?.[1] ?? 0;
      const linkId = links.length + 1;
      const type = registry.get(graph.nodes[value.node]?.type ?? '')?.outputs[value.output]?.name ?? '*';
      links.push([linkId, numeric.get(value.node) ?? 0, slot, numeric.get(id) ?? 0, inputs.length, type]);
      const key = `${value.node}#${slot}`;
      outputLinks.set(key, [...(outputLinks.get(key) ?? []), linkId]);
      return linkId;
    };
    for (const [name, spec] of Object.entries(def?.inputs ?? {}))
      inputs.push({ name: nameOf(name), type: spec.type.name, link: linkInto(name, node.inputs[name]) });
    const widgetsValues: unknown[] = [];
    for (const [name, spec] of Object.entries(def?.params ?? {})) {
      const value = node.inputs[name];
      if (isLink(value))
        inputs.push({
          name: nameOf(name),
          type: registry.param(node.type, name)?.catalog.linkType ?? '*',
          widget: { name: nameOf(name) },
          link: linkInto(name, value),
        });
      const fallback = spec.schema.safeParse(undefined);
      widgetsValues.push(isLink(value) || value === undefined ? (fallback.success ? fallback.data : null) : value);
      if (spec.widget === 'seed') widgetsValues.push('fixed');
      if (typeof spec.widget === 'object' && spec.widget.file === 'input') widgetsValues.push('image');
    }
    const position = node.ui?.position ?? [order * 320, 0];
    const size = Array.isArray(node.ui?.size) ? node.ui.size : [300, 120];
    return {
      id: numeric.get(id),
      type: classType,
      pos: position,
      size,
      flags: {},
      order,
      mode: node.mode === 'mute' ? 2 : node.mode === 'bypass' ? 4 : 0,
      inputs,
      outputs: [] as { name: string; type: string; links: number[]; slot_index: number }[],
      properties: { 'Node name for S&R': classType, [LOOM_ID_PROPERTY]: id },
      widgets_values: widgetsValues,
      ...(node.ui?.title !== undefined && node.ui.title !== classType && { title: node.ui.title }),
    };
  });
  for (const [i, id] of ids.entries()) {
    const def = registry.get(graph.nodes[id]?.type ?? '');
    const outputNames = mappingOf(graph.nodes[id]?.type ?? '')?.outputs ?? Object.keys(def?.outputs ?? {});
    (nodes[i] as (typeof nodes)[number]).outputs = outputNames.map((name, slot) => {
      const type = def?.outputs[name]?.name ?? '*';
      return {
        name: options.map && mappingOf(graph.nodes[id]?.type ?? '') ? type : name,
        type,
        links: outputLinks.get(`${id}#${slot}`) ?? [],
        slot_index: slot,
      };
    });
  }
  const { groups = [], comfy: _origin, ...meta } = graph.meta ?? {};
  return {
    last_node_id: Math.max(0, ...nodes.map((n) => n.id ?? 0)),
    last_link_id: links.length,
    nodes,
    links,
    groups: Array.isArray(groups) ? groups : [],
    config: {},
    // Loom's own graph meta (title, base model…); what a client sent (meta.comfy) is not re-exported.
    extra: { loom: { meta } },
    version: 0.4,
  };
}
