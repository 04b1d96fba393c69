/**
 * The engine: a registry, the output cache and the object cache, and `run()`, which validates a graph
 * and executes it (see run.ts): only ancestors of output nodes, cached nodes skipped, muted and bypassed
 * nodes resolved as ComfyUI does (modes.ts), independent branches overlapped (dispatch.ts), typed events
 * throughout. Cancellation is an AbortSignal, checked between nodes and handed to every node as `ctx.signal`.
 */
import { LoomError } from './errors.ts';
import type { EventListener } from './events.ts';
import type { UiPayload } from './node.ts';
import { ObjectStore } from './object-cache.ts';
import { OutputCache } from './output-cache.ts';
import type { NodeRegistry } from './registry.ts';
import { Run } from './run.ts';
import { validateGraph, type Plan } from './validate.ts';

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
    const plan = isPlan(documentOrPlan) ? documentOrPlan : this.#planOrThrow(documentOrPlan, options.targets !== undefined);
    const run = new Run(this, plan, options);
    try {
      return await run.execute();
    } finally {
      await this.objects.endRun(run.runId);
    }
  }

  /** With explicit targets, a graph needs no output node of its own. */
  #planOrThrow(document: unknown, hasTargets: boolean): Plan {
    const result = validateGraph(document, this.registry, { requireOutputNode: !hasTargets });
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
