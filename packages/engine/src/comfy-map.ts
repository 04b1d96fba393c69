/**
 * The ComfyUI map a node pack supplies (ComfyUI class → our node type, input renames, output order,
 * ComfyUI's input order) and the lookups every ComfyUI converter and catalog shares: ComfyUI's name for
 * one of our inputs, the class a node type exports as, the inputs in ComfyUI's order, and the check a host
 * runs at start that every alias names a registered node and inputs it declares.
 */
import { LoomError, type Problem } from './errors.ts';

export interface ComfyNodeMapping {
  /** Our node type. */
  type: string;
  /** ComfyUI input name → our input name, where they differ. */
  inputs?: Record<string, string>;
  /** Our output names in ComfyUI's output order; defaults to our declaration order. */
  outputs?: string[];
  /** ComfyUI inputs that have no counterpart here and are dropped on import. */
  ignore?: string[];
  /**
   * ComfyUI's input names in the order its `INPUT_TYPES` declares them, where links and widgets interleave
   * (KSampler: model, seed, …, positive, negative, latent_image, denoise); absent when ComfyUI lists the
   * links first, as our declaration does. Inputs of ours left out follow, in declaration order.
   */
  inputOrder?: string[];
  /**
   * How our node's behaviour differs from ComfyUI's, for the catalogs; absent when it follows ComfyUI's
   * semantics (see {@link comfySemantics}).
   */
  semantics?: string;
}

/** ComfyUI class_type → mapping. Classes not in the map are taken to be our own type names. */
export type ComfyMap = Record<string, ComfyNodeMapping>;

/** What the lookups need of a node declaration: its port and parameter names, in declaration order. */
export interface NodePorts {
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
}

/** One line for the catalogs: which Loom node serves a ComfyUI class, and with what semantics. */
export function comfySemantics(className: string, mapping: ComfyNodeMapping): string {
  if (mapping.semantics !== undefined) return mapping.semantics;
  return mapping.type === className ? "ComfyUI's node, re-implemented with ComfyUI's semantics." : `Loom's ${mapping.type}, with ComfyUI's semantics.`;
}

/** Our input or parameter name → ComfyUI's under `mapping` (the reverse of `mapping.inputs`); unchanged without one. */
export function comfyInputNamer(mapping: ComfyNodeMapping | undefined): (ours: string) => string {
  const renamed = new Map(Object.entries(mapping?.inputs ?? {}).map(([comfy, ours]) => [ours, comfy]));
  return (ours) => renamed.get(ours) ?? ours;
}

/** For each of our node types that has an alias, the ComfyUI class it exports as (the first in the map wins). */
export function comfyClassByType(map: ComfyMap): Map<string, [className: string, mapping: ComfyNodeMapping]> {
  const byType = new Map<string, [string, ComfyNodeMapping]>();
  for (const [className, mapping] of Object.entries(map)) if (!byType.has(mapping.type)) byType.set(mapping.type, [className, mapping]);
  return byType;
}

/**
 * Our input and parameter names in ComfyUI's `INPUT_TYPES` order: `mapping.inputOrder` first, then
 * the rest in declaration order, linked inputs before parameters (Loom's own order without a mapping).
 */
export function comfyInputOrder(node: Pick<NodePorts, 'inputs' | 'params'>, mapping?: ComfyNodeMapping): string[] {
  const declared = [...Object.keys(node.inputs), ...Object.keys(node.params)];
  const first = (mapping?.inputOrder ?? []).map((comfy) => mapping?.inputs?.[comfy] ?? comfy).filter((ours) => declared.includes(ours));
  return [...first, ...declared.filter((name) => !first.includes(name))];
}

/** Every alias in `map` that names a node type, input, parameter or output `registry` does not have. */
export function comfyMapProblems(map: ComfyMap, registry: { get(type: string): NodePorts | undefined }): Problem[] {
  const problems: Problem[] = [];
  for (const [className, mapping] of Object.entries(map)) {
    const node = registry.get(mapping.type);
    if (!node) {
      problems.push({ code: 'UNKNOWN_NODE_TYPE', message: `ComfyUI class "${className}" maps to node type "${mapping.type}", which is not registered.` });
      continue;
    }
    const declares = (name: string): boolean => name in node.inputs || name in node.params;
    for (const [comfy, ours] of Object.entries(mapping.inputs ?? {})) {
      if (!declares(ours))
        problems.push({
          code: 'UNKNOWN_INPUT',
          input: comfy,
          message: `ComfyUI class "${className}" renames input "${comfy}" to "${ours}", which ${mapping.type} does not declare.`,
        });
    }
    for (const output of mapping.outputs ?? []) {
      if (!(output in node.outputs))
        problems.push({
          code: 'LINK_TO_MISSING_OUTPUT',
          message: `ComfyUI class "${className}" lists output "${output}", which ${mapping.type} does not declare.`,
        });
    }
    const order = mapping.inputOrder ?? [];
    for (const [i, comfy] of order.entries()) {
      const ours = mapping.inputs?.[comfy] ?? comfy;
      if (!declares(ours))
        problems.push({
          code: 'UNKNOWN_INPUT',
          input: comfy,
          message: `ComfyUI class "${className}" orders input "${comfy}", which ${mapping.type} does not declare (under ComfyUI's names).`,
        });
      else if (order.indexOf(comfy) !== i)
        problems.push({ code: 'UNKNOWN_INPUT', input: comfy, message: `ComfyUI class "${className}" orders input "${comfy}" twice.` });
    }
  }
  return problems;
}

/**
 * Refuses a map with any {@link comfyMapProblems}, so a wrong alias stops the host at start instead of
 * silently dropping a class or an input. `source` names where the map comes from, for the message.
 */
export function assertComfyMap(map: ComfyMap, registry: { get(type: string): NodePorts | undefined }, source: string): void {
  const problems = comfyMapProblems(map, registry);
  if (problems.length === 0) return;
  const list = problems.map((p) => `  - ${p.message}`).join('\n');
  throw new LoomError(
    'VALIDATION_FAILED',
    `${source}: ${problems.length} ComfyUI alias problem${problems.length === 1 ? '' : 's'}; fix the alias or register the node:\n${list}`,
    { problems },
  );
}
