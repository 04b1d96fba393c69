/**
 * One execution of a plan: cache keys for every needed node, then the eager nodes not in the output
 * cache run as their inputs become ready, at most `concurrency` at once, in topological priority.
 *
 * Lazy inputs are the engine's loop construct: a node declares an input `lazy`, receives a
 * {@link Lazy} instead of a value, and evaluates the upstream subgraph when (and as often as) it wants,
 * optionally binding some of its other inputs' sources to new values (a retry with a new seed, a grid
 * cell with another LoRA). Each evaluation is a nested run over the same caches, so only what depends
 * on a bound value re-executes.
 */
import { randomUUID } from 'node:crypto';
import { CacheKeys } from './cache-keys.ts';
import { LoomError, isAbortError, toLoomError } from './errors.ts';
import type { EngineEvent, EventListener } from './events.ts';
import type { Engine, RunOptions, RunResult } from './executor.ts';
import type { Lazy, NodeContext, ParamSpec, UiPayload } from './node.ts';
import type { CachedOutputs } from './output-cache.ts';
import { ReadyQueue } from './ready-queue.ts';
import { isLazyInput, planRun } from './schedule.ts';
import { paramProblem, type Plan, type PlannedNode } from './validate.ts';

export interface InternalRunOptions extends RunOptions {
  /** Upstream outputs replaced by values, by node id (from a lazy input's bindings). */
  bound?: Map<string, Record<string, unknown>>;
  /** A nested evaluation: node events are forwarded, run-level events are not emitted. */
  nested?: boolean;
}

const cancelled = (nodeId?: string, cause?: unknown): LoomError =>
  new LoomError('CANCELLED', 'The run was cancelled.', { ...(nodeId !== undefined && { nodeId }), ...(cause !== undefined && { cause }) });

export class Run {
  readonly runId: string;
  readonly #signal: AbortSignal;
  readonly #emit: EventListener;
  readonly #values = new Map<string, Record<string, unknown>>();
  readonly #ui: Record<string, UiPayload> = {};
  readonly #keys: CacheKeys;

  constructor(
    readonly engine: Engine,
    readonly plan: Plan,
    readonly options: InternalRunOptions,
  ) {
    this.runId = options.runId ?? randomUUID();
    this.#signal = options.signal ?? new AbortController().signal;
    this.#keys = new CacheKeys(options.bound);
    const listener = options.onEvent ?? (() => {});
    this.#emit = options.nested ? (event) => void (event.type.startsWith('run.') || listener(event)) : listener;
  }

  async execute(): Promise<RunResult> {
    const started = performance.now();
    const { order, eager } = planRun(this.plan, this.options.targets);
    const cached = new Map<string, CachedOutputs>();
    for (const node of order) {
      const pending = this.#keys.add(node);
      const key = typeof pending === 'string' ? pending : await pending;
      if (eager.has(node.id)) {
        const hit = this.engine.outputCache.get(key);
        if (hit) cached.set(node.id, hit);
      }
    }
    const toExecute = order.filter((n) => eager.has(n.id) && !cached.has(n.id));
    this.#emit({ type: 'run.started', runId: this.runId, toExecute: toExecute.map((n) => n.id), cached: [...cached.keys()] });
    for (const [nodeId, skip] of this.plan.skipped) this.#emit({ type: 'node.skipped', runId: this.runId, nodeId, ...skip });
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
        throw cancelled(nodeId, err);
      }
      const error = toLoomError(err, 'NODE_FAILED');
      this.#emit({ type: 'run.failed', runId: this.runId, error: error.toJSON() });
      throw error;
    }
    const executed = toExecute.map((n) => n.id);
    this.#emit({ type: 'run.finished', runId: this.runId, durationMs: performance.now() - started, executed, cached: [...cached.keys()] });
    return { runId: this.runId, outputs: this.#values, ui: this.#ui, executed, cached: [...cached.keys()] };
  }

  /**
   * Runs `order` (topological) as inputs become ready, at most `concurrency` nodes at once. The ready
   * queue hands out the earliest node in topological order, so dispatch never depends on completion
   * timing, and its heap keeps that O(log n) per node however wide the graph.
   */
  async #executeAll(order: PlannedNode[]): Promise<void> {
    const position = new Map<string, number>();
    for (let i = 0; i < order.length; i++) position.set((order[i] as PlannedNode).id, i);
    const waiting = new Map<string, number>();
    const dependents = new Map<string, PlannedNode[]>();
    const ready = new ReadyQueue<PlannedNode>((a, b) => (position.get(a.id) as number) < (position.get(b.id) as number));
    for (const node of order) {
      const upstream = new Set<string>();
      for (const input in node.links) {
        const from = (node.links[input] as { node: string }).node;
        if (!isLazyInput(node, input) && !this.#values.has(from)) upstream.add(from);
      }
      waiting.set(node.id, upstream.size);
      for (const id of upstream) {
        const list = dependents.get(id);
        if (list) list.push(node);
        else dependents.set(id, [node]);
      }
      if (upstream.size === 0) ready.push(node);
    }
    const running = new Map<string, Promise<void>>();
    let failure: unknown;
    const finished = (node: PlannedNode): void => {
      running.delete(node.id);
      for (const next of dependents.get(node.id) ?? []) {
        const left = (waiting.get(next.id) as number) - 1;
        waiting.set(next.id, left);
        if (left === 0) ready.push(next);
      }
    };
    while (ready.size > 0 || running.size > 0) {
      while (failure === undefined && !this.#signal.aborted && ready.size > 0 && running.size < this.engine.concurrency) {
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
      await (running.size === 1 ? running.values().next().value : Promise.race(running.values()));
    }
    if (failure !== undefined) throw failure;
    if (this.#signal.aborted) throw cancelled();
  }

  async #executeNode(node: PlannedNode): Promise<void> {
    const { id, def } = node;
    if (this.#signal.aborted) throw cancelled(id);
    const started = performance.now();
    this.#emit({ type: 'node.started', runId: this.runId, nodeId: id, nodeType: def.type });
    let ui: UiPayload | undefined;
    const emit = (event: EngineEvent): void => this.#emit(event);
    const ctx: NodeContext = {
      runId: this.runId,
      nodeId: id,
      graph: this.plan.graph,
      registry: this.engine.registry,
      signal: this.#signal,
      objects: this.engine.objects.forRun(this.runId),
      progress: (value, max, preview) => emit({ type: 'node.progress', runId: this.runId, nodeId: id, value, max, ...(preview && { preview }) }),
      log: {
        info: (message) => emit({ type: 'node.log', runId: this.runId, nodeId: id, level: 'info', message }),
        warn: (message) => emit({ type: 'node.log', runId: this.runId, nodeId: id, level: 'warn', message }),
      },
      ui: (payload) => {
        ui = payload;
      },
      throwIfCancelled: () => {
        if (this.#signal.aborted) throw cancelled(id);
      },
    };
    try {
      const { inputs, params } = this.#gatherInputs(node);
      const outputs = { ...(await def.run(inputs, params, ctx)), ...this.options.bound?.get(id) };
      this.#checkOutputs(node, outputs);
      this.#values.set(id, outputs);
      if (ui) this.#ui[id] = ui;
      this.engine.outputCache.set(this.#keys.get(id) as string, { outputs, ...(ui && { ui }) });
      emit({ type: 'node.finished', runId: this.runId, nodeId: id, nodeType: def.type, durationMs: performance.now() - started, ...(ui && { ui }) });
    } catch (err) {
      if (isAbortError(err) || this.#signal.aborted) throw cancelled(id, err);
      const error = toLoomError(err, 'NODE_FAILED', { nodeId: id });
      const message = error.message.includes(`"${id}"`) ? error.message : `Node "${id}" (${def.type}) failed: ${error.message}`;
      const located = new LoomError(error.code, message, { nodeId: id, cause: err, problems: error.problems, ...(error.input !== undefined && { input: error.input }) });
      emit({ type: 'node.failed', runId: this.runId, nodeId: id, nodeType: def.type, error: located.toJSON() });
      throw located;
    }
  }

  /** A lazy input: each `evaluate` is a nested run of the upstream subgraph, with bound inputs replaced. */
  #lazy(node: PlannedNode, input: string): Lazy<unknown> {
    const target = node.links[input] as { node: string; output: string };
    return {
      evaluate: async (bindings = {}) => {
        const bound = new Map(this.options.bound);
        for (const [name, value] of Object.entries(bindings)) {
          const source = node.links[name];
          if (!source || isLazyInput(node, name)) {
            throw new LoomError('USAGE', `Node "${node.id}" can only bind its linked, non-lazy inputs; "${name}" is not one.`, { nodeId: node.id, input: name });
          }
          bound.set(source.node, { ...bound.get(source.node), [source.output]: value });
        }
        const nested = new Run(this.engine, this.plan, { ...this.options, runId: this.runId, signal: this.#signal, targets: [target.node], bound, nested: true });
        const result = await nested.execute();
        return result.outputs.get(target.node)?.[target.output];
      },
    };
  }

  #gatherInputs(node: PlannedNode): { inputs: Record<string, unknown>; params: Record<string, unknown> } {
    const inputs: Record<string, unknown> = {};
    const params: Record<string, unknown> = { ...node.literals };
    for (const [name, link] of Object.entries(node.links)) {
      const port = node.def.inputs[name];
      if (port?.lazy) {
        inputs[name] = this.#lazy(node, name);
        continue;
      }
      const value = this.#values.get(link.node)?.[link.output];
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
