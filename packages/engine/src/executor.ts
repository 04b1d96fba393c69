/**
 * The executor: evaluates the ancestors of output nodes in dependency order, skips nodes whose cache
 * key is already in the output cache, overlaps independent branches up to a concurrency limit, and
 * reports everything as typed events. Cancellation is an AbortSignal, checked between nodes and handed
 * to every node as `ctx.signal`.
 */
import { randomUUID } from 'node:crypto';
import { canonicalJson, hashOf } from './canonical.ts';
import { LoomError, isAbortError, toLoomError } from './errors.ts';
import type { EngineEvent, ErrorInfo, EventListener } from './events.ts';
import type { NodeContext, ParamSpec, UiPayload } from './node.ts';
import { ObjectStore } from './object-cache.ts';
import { OutputCache, type CachedOutputs } from './output-cache.ts';
import type { NodeRegistry } from './registry.ts';
import { nodesToEvaluate } from './schedule.ts';
import { paramProblem, validateGraph, type Plan, type PlannedNode } from './validate.ts';

export interface EngineOptions {
  registry: NodeRegistry;
  outputCache?: OutputCache;
  objects?: ObjectStore;
  /** How many independent nodes may run at once (default 2). */
  concurrency?: number;
}

export interface RunOptions {
  runId?: string;
  signal?: AbortSignal;
  onEvent?: EventListener;
  /** Output nodes to evaluate; all output nodes by default. */
  targets?: string[];
}

export interface RunResult {
  runId: string;
  /** Outputs of every evaluated node (executed or cached). */
  outputs: Map<string, Record<string, unknown>>;
  /** What each output node shows. */
  ui: Record<string, UiPayload>;
  executed: string[];
  cached: string[];
}

const DEFAULT_OBJECT_BUDGET = 8 * 1024 ** 3;

export class Engine {
  readonly registry: NodeRegistry;
  readonly outputCache: OutputCache;
  readonly objects: ObjectStore;
  readonly concurrency: number;

  constructor(options: EngineOptions) {
    this.registry = options.registry;
    this.outputCache = options.outputCache ?? new OutputCache();
    this.objects = options.objects ?? new ObjectStore(DEFAULT_OBJECT_BUDGET);
    this.concurrency = Math.max(1, options.concurrency ?? 2);
  }

  validate(document: unknown) {
    return validateGraph(document, this.registry);
  }

  /** Validates (unless given a plan) and runs a graph. Throws a LoomError on failure or cancellation. */
  async run(documentOrPlan: unknown, options: RunOptions = {}): Promise<RunResult> {
    const plan = isPlan(documentOrPlan) ? documentOrPlan : this.#planOrThrow(documentOrPlan);
    const run = new Run(this, plan, options);
    try {
      return await run.execute();
    } finally {
      await this.objects.endRun(run.runId);
    }
  }

  #planOrThrow(document: unknown): Plan {
    const result = this.validate(document);
    if (result.ok) return result.plan;
    const lines = result.problems.map((p) => `  - ${p.message}`).join('\n');
    throw new LoomError('VALIDATION_FAILED', `The graph is invalid (${result.problems.length} problem(s)):\n${lines}`, {
      problems: result.problems,
    });
  }
}

function isPlan(value: unknown): value is Plan {
  return typeof value === 'object' && value !== null && (value as Partial<Plan>).nodes instanceof Map;
}

const literalsCache = new WeakMap<PlannedNode, string>();

/** A plan's literals never change, so their canonical form is computed once per plan. */
function literalsJson(node: PlannedNode): string {
  let json = literalsCache.get(node);
  if (json === undefined) {
    json = canonicalJson(node.literals);
    literalsCache.set(node, json);
  }
  return json;
}

function errorInfo(error: LoomError): ErrorInfo {
  return error.toJSON();
}

/** One execution of a plan. */
class Run {
  readonly runId: string;
  readonly #signal: AbortSignal;
  readonly #emit: EventListener;
  readonly #values = new Map<string, Record<string, unknown>>();
  readonly #ui: Record<string, UiPayload> = {};
  readonly #keys = new Map<string, string>();

  constructor(
    readonly engine: Engine,
    readonly plan: Plan,
    readonly options: RunOptions,
  ) {
    this.runId = options.runId ?? randomUUID();
    this.#signal = options.signal ?? new AbortController().signal;
    this.#emit = options.onEvent ?? (() => {});
  }

  async execute(): Promise<RunResult> {
    const started = performance.now();
    const order = nodesToEvaluate(this.plan, this.options.targets);
    const cached = new Map<string, CachedOutputs>();
    for (const node of order) {
      const key = node.def.fingerprint ? await this.#cacheKey(node) : this.#staticCacheKey(node, undefined);
      this.#keys.set(node.id, key);
      const hit = this.engine.outputCache.get(key);
      if (hit) cached.set(node.id, hit);
    }
    const toExecute = order.filter((n) => !cached.has(n.id));
    this.#emit({ type: 'run.started', runId: this.runId, toExecute: toExecute.map((n) => n.id), cached: [...cached.keys()] });
    for (const [nodeId, hit] of cached) {
      this.#values.set(nodeId, hit.outputs);
      if (hit.ui) this.#ui[nodeId] = hit.ui;
      const nodeType = this.plan.nodes.get(nodeId)?.def.type ?? '';
      this.#emit({ type: 'node.cached', runId: this.runId, nodeId, nodeType, ...(hit.ui && { ui: hit.ui }) });
    }
    try {
      await this.#executeAll(toExecute);
    } catch (err) {
      if (isAbortError(err) || this.#signal.aborted) {
        const nodeId = err instanceof LoomError ? err.nodeId : undefined;
        this.#emit({ type: 'run.cancelled', runId: this.runId, ...(nodeId !== undefined && { nodeId }) });
        throw new LoomError('CANCELLED', 'The run was cancelled.', { cause: err, ...(nodeId !== undefined && { nodeId }) });
      }
      const error = toLoomError(err, 'NODE_FAILED');
      this.#emit({ type: 'run.failed', runId: this.runId, error: errorInfo(error) });
      throw error;
    }
    const executed = toExecute.map((n) => n.id);
    this.#emit({
      type: 'run.finished',
      runId: this.runId,
      durationMs: performance.now() - started,
      executed,
      cached: [...cached.keys()],
    });
    return { runId: this.runId, outputs: this.#values, ui: this.#ui, executed, cached: [...cached.keys()] };
  }

  async #cacheKey(node: PlannedNode): Promise<string> {
    let fingerprint: string | undefined;
    if (node.def.fingerprint) {
      try {
        fingerprint = await node.def.fingerprint(node.literals);
      } catch (err) {
        throw toLoomError(err, 'NODE_FAILED', { nodeId: node.id });
      }
    }
    return this.#staticCacheKey(node, fingerprint);
  }

  #staticCacheKey(node: PlannedNode, fingerprint: string | undefined): string {
    const upstream: Record<string, string> = {};
    for (const [name, link] of Object.entries(node.links)) upstream[name] = `${this.#keys.get(link.node)}.${link.output}`;
    return hashOf(`${node.def.type}|${literalsJson(node)}|${fingerprint ?? ''}|${canonicalJson(upstream)}`);
  }

  /** Runs nodes as their inputs become ready, at most `concurrency` at once, in topological priority. */
  async #executeAll(order: PlannedNode[]): Promise<void> {
    const position = new Map(order.map((node, i) => [node.id, i]));
    const waiting = new Map<string, number>();
    const dependents = new Map<string, PlannedNode[]>();
    const ready: PlannedNode[] = [];
    for (const node of order) {
      const upstream = new Set(Object.values(node.links).map((l) => l.node).filter((id) => !this.#values.has(id)));
      waiting.set(node.id, upstream.size);
      for (const id of upstream) dependents.set(id, [...(dependents.get(id) ?? []), node]);
      if (upstream.size === 0) ready.push(node);
    }
    const running = new Map<string, Promise<void>>();
    let failure: unknown;
    const finished = (node: PlannedNode): void => {
      running.delete(node.id);
      for (const next of dependents.get(node.id) ?? []) {
        const left = (waiting.get(next.id) ?? 0) - 1;
        waiting.set(next.id, left);
        if (left === 0) {
          // Keep `ready` in topological order so dispatch never depends on completion timing.
          const at = ready.findIndex((r) => (position.get(r.id) ?? 0) > (position.get(next.id) ?? 0));
          ready.splice(at < 0 ? ready.length : at, 0, next);
        }
      }
    };
    while (ready.length > 0 || running.size > 0) {
      while (failure === undefined && !this.#signal.aborted && ready.length > 0 && running.size < this.engine.concurrency) {
        const node = ready.shift() as PlannedNode;
        const task = this.#executeNode(node).then(
          () => finished(node),
          (err: unknown) => {
            running.delete(node.id);
            failure ??= err;
          },
        );
        running.set(node.id, task);
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
    if (failure !== undefined) throw failure;
    if (this.#signal.aborted) throw new LoomError('CANCELLED', 'The run was cancelled.');
  }

  async #executeNode(node: PlannedNode): Promise<void> {
    const { id, def } = node;
    if (this.#signal.aborted) throw new LoomError('CANCELLED', 'The run was cancelled.', { nodeId: id });
    const started = performance.now();
    this.#emit({ type: 'node.started', runId: this.runId, nodeId: id, nodeType: def.type });
    let ui: UiPayload | undefined;
    const ctx: NodeContext = {
      runId: this.runId,
      nodeId: id,
      graph: this.plan.graph,
      registry: this.engine.registry,
      signal: this.#signal,
      objects: this.engine.objects.forRun(this.runId),
      progress: (value, max, preview) =>
        this.#emit({ type: 'node.progress', runId: this.runId, nodeId: id, value, max, ...(preview && { preview }) }),
      log: {
        info: (message) => this.#emit({ type: 'node.log', runId: this.runId, nodeId: id, level: 'info', message }),
        warn: (message) => this.#emit({ type: 'node.log', runId: this.runId, nodeId: id, level: 'warn', message }),
      },
      ui: (payload) => {
        ui = payload;
      },
      throwIfCancelled: () => {
        if (this.#signal.aborted) throw new LoomError('CANCELLED', 'The run was cancelled.', { nodeId: id });
      },
    };
    try {
      const { inputs, params } = this.#gatherInputs(node);
      const outputs = await def.run(inputs, params, ctx);
      this.#checkOutputs(node, outputs);
      this.#values.set(id, outputs);
      if (ui) this.#ui[id] = ui;
      this.engine.outputCache.set(this.#keys.get(id) as string, { outputs, ...(ui && { ui }) });
      this.#emit({
        type: 'node.finished',
        runId: this.runId,
        nodeId: id,
        nodeType: def.type,
        durationMs: performance.now() - started,
        ...(ui && { ui }),
      });
    } catch (err) {
      if (isAbortError(err) || this.#signal.aborted) throw new LoomError('CANCELLED', 'The run was cancelled.', { nodeId: id, cause: err });
      const error = toLoomError(err, 'NODE_FAILED', { nodeId: id });
      const message = error.message.includes(`"${id}"`) ? error.message : `Node "${id}" (${def.type}) failed: ${error.message}`;
      const located = new LoomError(error.code, message, { nodeId: id, cause: err, problems: error.problems, ...(error.input !== undefined && { input: error.input }) });
      this.#emit({ type: 'node.failed', runId: this.runId, nodeId: id, nodeType: def.type, error: errorInfo(located) });
      throw located;
    }
  }

  #gatherInputs(node: PlannedNode): { inputs: Record<string, unknown>; params: Record<string, unknown> } {
    const inputs: Record<string, unknown> = {};
    const params: Record<string, unknown> = { ...node.literals };
    for (const [name, link] of Object.entries(node.links)) {
      const value = this.#values.get(link.node)?.[link.output];
      const port = node.def.inputs[name];
      if (port) {
        if (!port.type.guard(value)) {
          throw new LoomError('NODE_FAILED', `Input "${name}" received something that is not a ${port.type.name} from "${link.node}.${link.output}".`, { input: name });
        }
        inputs[name] = value;
        continue;
      }
      // Validation guarantees a linked non-port input is a parameter.
      const spec = node.def.params[name] as ParamSpec;
      const parsed = spec.schema.safeParse(value);
      if (!parsed.success) {
        const problem = paramProblem(node.id, node.def, name, parsed.error, value);
        throw new LoomError('PARAM_INVALID', problem.message, { input: name, problems: [problem] });
      }
      params[name] = parsed.data;
    }
    return { inputs, params };
  }

  #checkOutputs(node: PlannedNode, outputs: Record<string, unknown>): void {
    for (const [name, port] of Object.entries(node.def.outputs)) {
      if (!port.guard(outputs[name])) {
        throw new LoomError('NODE_FAILED', `Node "${node.id}" (${node.def.type}) produced no valid ${port.name} for output "${name}" (a bug in the node).`);
      }
    }
  }
}
