/**
 * `/object_info` in ComfyUI's V1 format (ComfyUI server.py `node_info`), built from the node catalog: every Loom
 * node under its own name, plus every ComfyUI alias from the node pack's map with ComfyUI's input
 * names. Enums and file widgets become V1 combos `[[options], {...}]`,
 * the shape clients' sampler / LoRA / checkpoint list helpers read.
 */
import {
  comfyInputNamer,
  comfyInputOrder,
  comfySemantics,
  type CatalogEntry,
  type CatalogParam,
  type ComfyMap,
  type ComfyNodeMapping,
  type NodeRegistry,
} from '@loom/engine';
import type { ModelFolders } from '../files/model-folders.ts';

export type InputConfig = [string | string[], Record<string, unknown>];

export interface ComfyNodeInfo {
  input: { required: Record<string, InputConfig>; optional: Record<string, InputConfig> };
  input_order: { required: string[]; optional: string[] };
  output: string[];
  output_is_list: boolean[];
  output_name: string[];
  output_tooltips: string[];
  name: string;
  display_name: string;
  description: string;
  python_module: string;
  category: string;
  output_node: boolean;
  /** Loom's addition on ComfyUI class names: the Loom node serving it and with what semantics. */
  comfy?: { node: string; semantics: string };
}

/** ComfyUI's V1 config for one parameter; file widgets list their folder. */
async function paramConfig(param: CatalogParam, folders: ModelFolders): Promise<InputConfig> {
  const { schema, widget } = param;
  const options: Record<string, unknown> = { tooltip: param.description };
  if (param.default !== undefined) options.default = param.default;
  if (typeof widget === 'object') {
    const files = await folders.list(widget.file);
    if (widget.file === 'input') options.image_upload = true;
    return [files, { ...options, options: files }];
  }
  if (Array.isArray(schema.enum)) return [schema.enum.map(String), { ...options, options: schema.enum }];
  const min = schema.minimum ?? schema.exclusiveMinimum;
  const max = schema.maximum ?? schema.exclusiveMaximum;
  if (typeof min === 'number') options.min = min;
  if (typeof max === 'number') options.max = max;
  switch (param.linkType) {
    case 'INT':
      if (widget === 'seed') options.control_after_generate = true;
      return ['INT', { ...options, step: 1 }];
    case 'FLOAT':
      return ['FLOAT', { ...options, step: typeof schema.multipleOf === 'number' ? schema.multipleOf : 0.01 }];
    case 'STRING':
      return ['STRING', { ...options, multiline: widget === 'textarea' }];
    case 'BOOLEAN':
      return ['BOOLEAN', options];
    default:
      return ['JSON', options];
  }
}

/**
 * One node's V1 entry, under `className` with ComfyUI's input names when it is an alias, its inputs in
 * ComfyUI's `INPUT_TYPES` order (links and widgets interleaved as the mapping declares).
 */
async function nodeInfo(className: string, entry: CatalogEntry, folders: ModelFolders, mapping?: ComfyNodeMapping): Promise<ComfyNodeInfo> {
  const nameOf = comfyInputNamer(mapping);
  const inputs = new Map(entry.inputs.map((input) => [input.name, input]));
  const params = new Map(entry.params.map((param) => [param.name, param]));
  const order = comfyInputOrder({ inputs: Object.fromEntries(inputs), params: Object.fromEntries(params) }, mapping);
  const required: Record<string, InputConfig> = {};
  const optional: Record<string, InputConfig> = {};
  for (const name of order) {
    const input = inputs.get(name);
    const param = params.get(name);
    if (input) (input.optional ? optional : required)[nameOf(name)] = [input.type, { tooltip: input.description }];
    // ComfyUI lists widgets with defaults as required too; the default is what an absent value means.
    else if (param) required[nameOf(name)] = await paramConfig(param, folders);
  }
  const outputNames = mapping?.outputs ?? entry.outputs.map((o) => o.name);
  const outputs = outputNames.map((name) => entry.outputs.find((o) => o.name === name)?.type ?? '*');
  return {
    input: { required, optional },
    input_order: { required: Object.keys(required), optional: Object.keys(optional) },
    output: outputs,
    output_is_list: outputs.map(() => false),
    output_name: outputNames.map((n, i) => (mapping ? (outputs[i] as string) : n)),
    output_tooltips: outputNames.map(() => ''),
    name: className,
    display_name: className,
    description: mapping ? `${entry.description}\n\nServed by Loom's ${entry.type}: ${comfySemantics(className, mapping)}` : entry.description,
    python_module: mapping ? 'loom.comfy_aliases' : 'loom',
    category: entry.category,
    output_node: entry.output,
    ...(mapping && { comfy: { node: entry.type, semantics: comfySemantics(className, mapping) } }),
  };
}

/** All entries: our own types, then ComfyUI aliases (an alias wins if the names collide). */
export async function buildObjectInfo(registry: NodeRegistry, comfyMap: ComfyMap, folders: ModelFolders): Promise<Record<string, ComfyNodeInfo>> {
  const info: Record<string, ComfyNodeInfo> = {};
  for (const entry of registry.catalog().nodes) info[entry.type] = await nodeInfo(entry.type, entry, folders);
  for (const [className, mapping] of Object.entries(comfyMap)) {
    const def = registry.get(mapping.type);
    if (def) info[className] = await nodeInfo(className, registry.entry(def), folders, mapping);
  }
  return info;
}

/** One class, or `undefined` for an unknown one (the route answers 200 `{}` as ComfyUI's server.py does; clients crash on an error there). */
export async function objectInfoFor(className: string, registry: NodeRegistry, comfyMap: ComfyMap, folders: ModelFolders): Promise<ComfyNodeInfo | undefined> {
  const mapping = comfyMap[className];
  const def = registry.get(mapping?.type ?? className);
  return def ? nodeInfo(className, registry.entry(def), folders, mapping) : undefined;
}
