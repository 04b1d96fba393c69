/**
 * The {@link NodeContext} a node runs with. A class, so its methods live once on the prototype: a run
 * of 100,000 trivial nodes would otherwise allocate (and name) half a dozen closures per node.
 */
import { LoomError } from './errors.ts';
import type { EventListener } from './events.ts';
import type { Graph } from './graph.ts';
import type { NodeContext, NodeLog, Preview, UiPayload } from './node.ts';
import type { ObjectCache } from './object-cache.ts';
import type { NodeRegistry } from './registry.ts';

/** What every node of one run shares. */
export interface RunScope {
  runId: string;
  graph: Graph;
  registry: NodeRegistry;
  signal: AbortSignal;
  objects: ObjectCache;
  emit: EventListener;
}

export const cancelled = (nodeId?: string, cause?: unknown): LoomError =>
  new LoomError('CANCELLED', 'The run was cancelled.', { ...(nodeId !== undefined && { nodeId }), ...(cause !== undefined && { cause }) });

export class NodeRunContext implements NodeContext, NodeLog {
  /** What the node recorded with `ui()`, if anything. */
  shown: UiPayload | undefined;

  constructor(
    private readonly scope: RunScope,
    readonly nodeId: string,
  ) {}

  get runId(): string {
    return this.scope.runId;
  }
  get graph(): Graph {
    return this.scope.graph;
  }
  get registry(): NodeRegistry {
    return this.scope.registry;
  }
  get signal(): AbortSignal {
    return this.scope.signal;
  }
  get objects(): ObjectCache {
    return this.scope.objects;
  }
  get log(): NodeLog {
    return this;
  }

  progress(value: number, max: number, preview?: Preview): void {
    this.scope.emit({ type: 'node.progress', runId: this.scope.runId, nodeId: this.nodeId, value, max, ...(preview && { preview }) });
  }

  info(message: string): void {
    this.scope.emit({ type: 'node.log', runId: this.scope.runId, nodeId: this.nodeId, level: 'info', message });
  }

  warn(message: string): void {
    this.scope.emit({ type: 'node.log', runId: this.scope.runId, nodeId: this.nodeId, level: 'warn', message });
  }

  ui(payload: UiPayload): void {
    this.shown = payload;
  }

  throwIfCancelled(): void {
    if (this.scope.signal.aborted) throw cancelled(this.nodeId);
  }
}
