/**
 * The node declaration API. One `defineNode` call is the single source of truth for a node: it types
 * `run()`, drives validation, the CLI's `--set` parsing, the catalog (server, editor) and generated docs.
 */
import { z } from 'zod';
import type { PortType, PortValue } from './port-types.ts';
import type { ObjectCache } from './object-cache.ts';
import type { Graph } from './graph.ts';
import type { LoomErrorCode } from './errors.ts';
import type { NodeRegistry } from './registry.ts';

/** How the editor should present a parameter. Derived from the schema when omitted. */
export type Widget =
  | 'text'
  | 'textarea'
  | 'number'
  | 'slider'
  | 'seed'
  | 'toggle'
  | 'select'
  | 'json'
  /** A file picked from a server-listed folder (models/loras, models/upscale_models, input, ...). */
  | { file: string };

export interface InputSpec<P extends PortType = PortType> {
  type: P;
  description?: string;
  optional?: boolean;
  /**
   * The node receives a {@link Lazy} instead of a value and decides when (and how often) the upstream
   * subgraph runs: the engine's loop construct (retries, grids).
   */
  lazy?: boolean;
}

/**
 * A deferred input. `evaluate()` runs the upstream subgraph (cached nodes are reused) and returns its
 * value; `bindings` replace the sources of some of this node's other linked inputs for that evaluation,
 * e.g. `{ seed: 1234 }` re-runs everything downstream of the node that feeds this node's `seed`.
 */
export interface Lazy<T> {
  evaluate(bindings?: Record<string, unknown>): Promise<T>;
}

export interface ParamSpec<S extends z.ZodType = z.ZodType> {
  schema: S;
  description: string;
  widget?: Widget;
}

/** Declares a parameter: a zod schema (defaults, ranges, enum options) plus presentation. */
export function param<S extends z.ZodType>(schema: S, description: string, widget?: Widget): ParamSpec<S> {
  return widget === undefined ? { schema, description } : { schema, description, widget };
}

export type InputSpecs = Record<string, InputSpec>;
export type ParamSpecs = Record<string, ParamSpec>;
export type OutputSpecs = Record<string, PortType>;

type InputValue<S extends InputSpec> = S['lazy'] extends true ? Lazy<PortValue<S['type']>> : PortValue<S['type']>;

export type InputValues<I extends InputSpecs> = {
  [K in keyof I]: I[K]['optional'] extends true ? InputValue<I[K]> | undefined : InputValue<I[K]>;
};
export type ParamValues<P extends ParamSpecs> = { [K in keyof P]: z.output<P[K]['schema']> };
export type OutputValues<O extends OutputSpecs> = { [K in keyof O]: PortValue<O[K]> };

/** A small preview image for progress events (the sampler's latent→RGB view). */
export interface Preview {
  mime: 'image/png' | 'image/jpeg';
  data: Uint8Array;
  /**
   * The image is a result, not a glimpse (ComfyUI's SaveImageWebsocket sends its PNGs as preview frames):
   * hosts deliver it like a preview but never drop it to relieve a slow socket.
   */
  output?: boolean;
}

/** What an output node shows (ComfyUI's `ui` dict: `{ images: [{ filename, subfolder, type }] }`). */
export type UiPayload = Record<string, unknown[]>;

export interface NodeLog {
  info(message: string): void;
  warn(message: string): void;
}

/** Everything a node may use while it runs. */
export interface NodeContext {
  readonly runId: string;
  readonly nodeId: string;
  /** The graph being run (output nodes embed it in their files). */
  readonly graph: Graph;
  readonly registry: NodeRegistry;
  readonly signal: AbortSignal;
  /** Reports progress within the node (e.g. sampler step `value` of `max`). */
  progress(value: number, max: number, preview?: Preview): void;
  readonly log: NodeLog;
  /** Heavy shared resources (sessions, encodings) with a byte budget and LRU eviction. */
  readonly objects: ObjectCache;
  /** Records what an output node shows; it is cached with the node and re-reported on cache hits. */
  ui(payload: UiPayload): void;
  /** Throws CANCELLED if the run was cancelled. Call it inside long loops. */
  throwIfCancelled(): void;
}

/** A node as {@link NodeDefinition.check} sees it: its literal parameters and what feeds its inputs. */
export interface CheckView {
  readonly id: string;
  readonly type: string;
  /** Literal parameters, parsed by their schemas (defaults filled in); linked ones are absent. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The node linked to `input` and the output it takes, or undefined when the input is not linked. */
  source(input: string): { node: CheckView; output: string } | undefined;
}

/** A problem a node's {@link NodeDefinition.check} finds; validation adds the node id. */
export interface CheckProblem {
  /** PARAM_INVALID unless said otherwise (MODEL_NOT_FOUND for a missing file). */
  code?: LoomErrorCode;
  input?: string;
  message: string;
}

export interface NodeDefinition<I extends InputSpecs = InputSpecs, P extends ParamSpecs = ParamSpecs, O extends OutputSpecs = OutputSpecs> {
  /** PascalCase type name used in graph files. */
  type: string;
  /** Palette category, slash-separated (`sampling`, `loaders/lora`). */
  category: string;
  description: string;
  inputs: I;
  params: P;
  outputs: O;
  /** Output nodes decide what runs: only their ancestors are evaluated. */
  output?: boolean;
  /**
   * State outside the graph that should invalidate the cache (a file's size and mtime).
   * Receives only literal parameters; linked parameters are covered by their upstream key.
   */
  fingerprint?: (params: Partial<ParamValues<P>>) => string | Promise<string>;
  /**
   * Checks across nodes that no single parameter schema can make (a latent size against the model's
   * downsampling), run by validation once every node's own inputs are valid, so bad input is refused
   * before any work starts. Synchronous and cheap: at most a small config file is read.
   */
  check?: (view: CheckView) => CheckProblem[];
  run: (inputs: InputValues<I>, params: ParamValues<P>, ctx: NodeContext) => Promise<NoInfer<OutputValues<O>>> | NoInfer<OutputValues<O>>;
}

/**
 * The type-erased view the engine works with. Node-specific types exist only inside `run`, so erasing
 * them here is the typed boundary where `any`-like widening belongs.
 */
export type AnyNodeDefinition = NodeDefinition<InputSpecs, ParamSpecs, OutputSpecs>;

export function defineNode<I extends InputSpecs, P extends ParamSpecs, O extends OutputSpecs>(def: NodeDefinition<I, P, O>): AnyNodeDefinition {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(def.type)) throw new Error(`Node type "${def.type}" must be PascalCase`);
  for (const name of [...Object.keys(def.inputs), ...Object.keys(def.params)]) {
    if (!/^[a-z][A-Za-z0-9]*$/.test(name)) throw new Error(`${def.type}: input "${name}" must be camelCase`);
  }
  const clash = Object.keys(def.inputs).find((name) => name in def.params);
  if (clash) throw new Error(`${def.type}: "${clash}" is declared both as a port and as a parameter`);
  // Erasing the generic parameters: `run` is only ever called with values checked against these specs.
  return def as unknown as AnyNodeDefinition;
}
