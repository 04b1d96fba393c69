/**
 * Messages between a worker's main thread (Redis, BullMQ locks, heartbeats) and its engine thread
 * (the node pack). onnxruntime-node creates sessions and runs them synchronously on the calling
 * thread; a real UNet takes tens of seconds to load, which on the main thread would stop lock renewal
 * and heartbeats, and BullMQ would hand the job to another worker. So the engine runs in its own
 * thread, as BullMQ's documentation advises for CPU-heavy jobs.
 */
import type { EngineEvent, ErrorInfo, Graph } from '@loom/engine';
import type { NodePackConfig } from '@loom/nodes';

/** Where the engine thread gets its host: a module and the name of its `createHost`-like export. */
export interface HostFactory {
  /** A file URL. */
  module: string;
  export: string;
  config: Partial<NodePackConfig>;
}

export type ToThread =
  | { type: 'run'; promptId: string; graph: Graph; targets: string[] }
  | { type: 'abort'; promptId: string }
  | { type: 'free'; unloadModels: boolean; freeMemory: boolean };

export type FromThread =
  | { type: 'ready'; config: NodePackConfig }
  | { type: 'event'; promptId: string; event: EngineEvent }
  /**
   * `cacheEntries`: object-cache entries after the run (nothing loaded when 0); `createMs`: wall time
   * the run spent creating object-cache entries (loading sessions and weights), for routing costs.
   */
  | { type: 'done'; promptId: string; error?: ErrorInfo; cacheEntries: number; createMs: number }
  | { type: 'freed'; cacheEntries: number };
