/**
 * The registry of node definitions a host passes to the engine, and the serialisable catalog derived
 * from it (what `/object_info`, the editor palette and the docs are built from).
 */
import { z } from 'zod';
import type { AnyNodeDefinition, ParamSpec, Widget } from './node.ts';
import type { PortType } from './port-types.ts';

export type JsonSchema = Record<string, unknown>;

export interface CatalogParam {
  name: string;
  description: string;
  widget: Widget;
  /** Primitive port type that may be linked into this parameter, or null if it only takes literals. */
  linkType: 'STRING' | 'INT' | 'FLOAT' | 'BOOLEAN' | null;
  required: boolean;
  default?: unknown;
  schema: JsonSchema;
}

export interface CatalogEntry {
  type: string;
  category: string;
  description: string;
  output: boolean;
  inputs: { name: string; type: string; description: string; optional: boolean }[];
  params: CatalogParam[];
  outputs: { name: string; type: string }[];
}

export interface Catalog {
  portTypes: { name: string; description: string; color: string }[];
  nodes: CatalogEntry[];
}

export interface ParamInfo {
  spec: ParamSpec;
  catalog: CatalogParam;
}

export class NodeRegistry {
  readonly #defs = new Map<string, AnyNodeDefinition>();
  readonly #params = new Map<string, Map<string, ParamInfo>>();
  readonly #portTypes = new Map<string, PortType>();

  constructor(definitions: Iterable<AnyNodeDefinition>) {
    for (const def of definitions) this.add(def);
  }

  add(def: AnyNodeDefinition): void {
    if (this.#defs.has(def.type)) throw new Error(`Node type "${def.type}" is registered twice`);
    this.#defs.set(def.type, def);
    const params = new Map<string, ParamInfo>();
    for (const [name, spec] of Object.entries(def.params)) params.set(name, { spec, catalog: describeParam(name, spec) });
    this.#params.set(def.type, params);
    for (const port of [...Object.values(def.inputs).map((i) => i.type), ...Object.values(def.outputs)]) {
      const known = this.#portTypes.get(port.name);
      if (known && known !== port) throw new Error(`Port type ${port.name} is declared twice (${def.type})`);
      this.#portTypes.set(port.name, port);
    }
  }

  get(type: string): AnyNodeDefinition | undefined {
    return this.#defs.get(type);
  }

  types(): string[] {
    return [...this.#defs.keys()];
  }

  param(type: string, name: string): ParamInfo | undefined {
    return this.#params.get(type)?.get(name);
  }

  portType(name: string): PortType | undefined {
    return this.#portTypes.get(name);
  }

  catalog(): Catalog {
    return {
      portTypes: [...this.#portTypes.values()].map(({ name, description, color }) => ({ name, description, color })),
      nodes: [...this.#defs.values()].map((def) => this.entry(def)),
    };
  }

  entry(def: AnyNodeDefinition): CatalogEntry {
    return {
      type: def.type,
      category: def.category,
      description: def.description,
      output: def.output === true,
      inputs: Object.entries(def.inputs).map(([name, spec]) => ({
        name,
        type: spec.type.name,
        description: spec.description ?? spec.type.description,
        optional: spec.optional === true,
      })),
      params: [...(this.#params.get(def.type)?.values() ?? [])].map((p) => p.catalog),
      outputs: Object.entries(def.outputs).map(([name, port]) => ({ name, type: port.name })),
    };
  }
}

function describeParam(name: string, spec: ParamSpec): CatalogParam {
  const schema = z.toJSONSchema(spec.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete schema.$schema;
  const linkType = linkTypeOf(schema);
  const parsedDefault = spec.schema.safeParse(undefined);
  return {
    name,
    description: spec.description,
    widget: spec.widget ?? defaultWidget(schema, linkType),
    linkType,
    required: !parsedDefault.success,
    ...(parsedDefault.success && parsedDefault.data !== undefined && { default: parsedDefault.data }),
    schema,
  };
}

function linkTypeOf(schema: JsonSchema): CatalogParam['linkType'] {
  switch (schema.type) {
    case 'string':
      return 'STRING';
    case 'integer':
      return 'INT';
    case 'number':
      return 'FLOAT';
    case 'boolean':
      return 'BOOLEAN';
    default:
      return null;
  }
}

function defaultWidget(schema: JsonSchema, linkType: CatalogParam['linkType']): Widget {
  if (Array.isArray(schema.enum)) return 'select';
  if (linkType === 'STRING') return 'text';
  if (linkType === 'INT' || linkType === 'FLOAT') return 'number';
  if (linkType === 'BOOLEAN') return 'toggle';
  return 'json';
}
