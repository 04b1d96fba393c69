/**
 * Typed execution events. The engine emits them; hosts forward them to sockets, progress bars and logs.
 */
import type { Problem, LoomErrorCode } from './errors.ts';
import type { SkipReason } from './modes.ts';
import type { Preview, UiPayload } from './node.ts';

export interface ErrorInfo {
  code: LoomErrorCode;
  message: string;
  nodeId?: string;
  input?: string;
  problems?: Problem[];
}

export type EngineEvent =
  | { type: 'run.started'; runId: string; toExecute: string[]; cached: string[] }
  /** A cached node that is not re-executed; output nodes carry their cached `ui`. */
  | { type: 'node.cached'; runId: string; nodeId: string; nodeType: string; ui?: UiPayload }
  /** A node that does not run: muted, bypassed, or fed a required input by a muted node (sent once per run, after run.started). */
  | { type: 'node.skipped'; runId: string; nodeId: string; nodeType: string; reason: SkipReason }
  | { type: 'node.started'; runId: string; nodeId: string; nodeType: string }
  | { type: 'node.progress'; runId: string; nodeId: string; value: number; max: number; preview?: Preview }
  | { type: 'node.log'; runId: string; nodeId: string; level: 'info' | 'warn'; message: string }
  | { type: 'node.finished'; runId: string; nodeId: string; nodeType: string; durationMs: number; ui?: UiPayload }
  | { type: 'node.failed'; runId: string; nodeId: string; nodeType: string; error: ErrorInfo }
  | { type: 'run.finished'; runId: string; durationMs: number; executed: string[]; cached: string[] }
  | { type: 'run.failed'; runId: string; error: ErrorInfo }
  | { type: 'run.cancelled'; runId: string; nodeId?: string };

export type EventListener = (event: EngineEvent) => void;
