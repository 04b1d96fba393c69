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
import { dispatch } from './dispatch.ts';
import { LoomError, isAbortError, toLoomError } from './errors.ts';
import type { EventListener } from './events.ts';
import type { Engine, RunOptions, RunResult } from './executor.ts';
import type { Lazy, ParamSpec, UiPayload } from './node.ts';
import type { PortType } from './port-types.ts';
import { cancelled, NodeRunContext, type RunScope } from './node-context.ts';
import type { CachedOutputs } from './output-cache.ts';
import { isLazyInput, planRun } from './schedule.ts';
import { paramProblem, type Plan, type PlannedNode } from './validate.ts';

export interface InternalRunOptions extends RunOptions {
  /** Upstream outputs replaced by values, by node id (from a lazy input's bindings). */
  bound?: Map<string, Record<string, unknown>>;
  /** A nested evaluation: node events are forwarded, run-level events are not emitted. */
  nested?: boolean;
}

export class Run {
  readonly runId: string;
  readonly #signal: AbortSignal;
  readonly #emit: EventListener;
  readonly #scope: RunScope;
  readonly #values = new Map<string, Record<string, unknown>>();
  /** `#values` by plan position (PlannedNode.position), for lookups along links without hashing ids. */
  readonly #outputsAt: (Record<string, unknown> | undefined)[] = [];
  readonly #ui: Record<string, UiPayload> = {};
  readonly #keys: CacheKeys;

  constructor(
    readonly engine: Engine,
    readonly plan: Plan,
    readonly options: InternalRunOptions,
  ) {
    this.runId = options.runId ?? randomUUID();
    this.#signal = options.signal ?? new AbortController().signal;
    this.#keys = new CacheKeys(plan.order.length, options.bound);
    for (let i = 0; i < plan.order.length; i++) this.#outputsAt.push(undefined);
    const listener = options.onEvent ?? (() => {});
    this.#emit = options.nested ? (event) => void (event.type.startsWith('run.') || listener(event)) : listener;
    const { runId } = this;
    this.#scope = { runId, graph: plan.graph, registry: engine.registry, signal: this.#signal, objects: engine.objects.forRun(runId), emit: this.#emit };
  }

  async execute(): Promise<RunResult> {
    const started = performance.now();
    const { order, eager } = planRun(this.plan, this.options.targets);
    const hits: { node: PlannedNode; hit: CachedOutputs }[] = [];
    for (const node of order) {
      const pending = this.#keys.add(node);
      const key = typeof pending === 'string' ? pending : await pending;
      if (eager[node.position] === 1) {
        const hit = this.engine.outputCache.get(key);
        if (hit) hits.push({ node, hit });
      }
    }
    for (const { node, hit } of hits) this.#outputsAt[node.position] = hit.outputs;
    const toExecute = order.filter((n) => eager[n.position] === 1 && this.#outputsAt[n.position] === undefined);
    const cached = hits.map(({ node }) => node.id);
    this.#emit({ type: 'run.started', runId: this.runId, toExecute: toExecute.map((n) => n.id), cached: [...cached] });
    for (const [nodeId, skip] of this.plan.skipped) this.#emit({ type: 'node.skipped', runId: this.runId, nodeId, ...skip });
    for (const { node, hit } of hits) {
      this.#values.set(node.id, hit.outputs);
      if (hit.ui) this.#ui[node.id] = hit.ui;
      this.#emit({ type: 'node.cached', runId: this.runId, nodeId: node.id, nodeType: node.def.type, ...(hit.ui && { ui: hit.ui }) });
    }
    try {
      await dispatch(toExecute, {
        concurrency: this.engine.concurrency,
        waitsFor: (node) => this.#waitsFor(node),
        execute: (node) => this.#executeNode(node),
        stopped: () => this.#signal.aborted,
      });
      if (this.#signal.aborted) throw cancelled();
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
    this.#emit({ type: 'run.finished', runId: this.runId, durationMs: performance.now() - started, executed, cached: [...cached] });
    return { runId: this.runId, outputs: this.#values, ui: this.#ui, executed, cached };
  }

  /** The upstream nodes `node` waits for: those of its eager inputs whose values are not known yet. */
  #waitsFor(node: PlannedNode): PlannedNode[] {
    const upstream: PlannedNode[] = [];
    for (const input in node.links) {
      const source = node.sources[input] as PlannedNode;
      if (isLazyInput(node, input) || this.#outputsAt[source.position] !== undefined) continue;
      if (!upstream.includes(source)) upstream.push(source);
    }
    return upstream;
  }

  async #executeNode(node: PlannedNode): Promise<void> {
    const { id, def } = node;
    if (this.#signal.aborted) throw cancelled(id);
    const started = performance.now();
    this.#emit({ type: 'node.started', runId: this.runId, nodeId: id, nodeType: def.type });
    const ctx = new NodeRunContext(this.#scope, id);
    try {
      const { inputs, params } = this.#gatherInputs(node);
      const produced = await def.run(inputs, params, ctx);
      const overlay = this.options.bound?.get(id);
      const outputs = overlay ? { ...produced, ...overlay } : produced;
      this.#checkOutputs(node, outputs);
      this.#values.set(id, outputs);
      this.#outputsAt[node.position] = outputs;
      const ui = ctx.shown;
      if (ui) this.#ui[id] = ui;
      this.engine.outputCache.set(this.#keys.get(node), { outputs, ...(ui && { ui }) });
      this.#emit({ type: 'node.finished', runId: this.runId, nodeId: id, nodeType: def.type, durationMs: performance.now() - started, ...(ui && { ui }) });
    } catch (err) {
      if (isAbortError(err) || this.#signal.aborted) throw cancelled(id, err);
      const error = toLoomError(err, 'NODE_FAILED', { nodeId: id });
      const message = error.message.includes(`"${id}"`) ? error.message : `Node "${id}" (${def.type}) failed: ${error.message}`;
      const located = new LoomError(error.code, message, {
        nodeId: id,
        cause: err,
        problems: error.problems,
        ...(error.input !== undefined && { input: error.input }),
      });
      this.#emit({ type: 'node.failed', runId: this.runId, nodeId: id, nodeType: def.type, error: located.toJSON() });
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
            throw new LoomError('USAGE', `Node "${node.id}" can only bind its linked, non-lazy inputs; "${name}" is not one.`, {
              nodeId: node.id,
              input: name,
            });
          }
          bound.set(source.node, { ...bound.get(source.node), [source.output]: value });
        }
        const nested = new Run(this.engine, this.plan, {
          ...this.options,
          runId: this.runId,
          signal: this.#signal,
          targets: [target.node],
          bound,
          nested: true,
        });
        const result = await nested.execute();
        return result.outputs.get(target.node)?.[target.output];
      },
    };
  }

  #gatherInputs(node: PlannedNode): { inputs: Record<string, unknown>; params: Record<string, unknown> } {
    const inputs: Record<string, unknown> = {};
    const params: Record<string, unknown> = { ...node.literals };
    for (const name in node.links) {
      const link = node.links[name] as { node: string; output: string };
      const port = node.def.inputs[name];
      if (port?.lazy) {
        inputs[name] = this.#lazy(node, name);
        continue;
      }
      const value = this.#outputsAt[(node.sources[name] as PlannedNode).position]?.[link.output];
      if (port) {
        if (!port.type.guard(value)) {
          throw new LoomError('NODE_FAILED', `Input "${name}" received something that is not a ${port.type.name} from "${link.node}.${link.output}".`, {
            input: name,
          });
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
    for (const name in node.def.outputs) {
      const port = node.def.outputs[name] as PortType;
      if (!port.guard(outputs[name])) {
        throw new LoomError('NODE_FAILED', `Node "${node.id}" (${node.def.type}) produced no valid ${port.name} for output "${name}" (a bug in the node).`);
      }
    }
  }
}
