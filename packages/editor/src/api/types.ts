/**
 * What the editor receives from the Loom server. Engine types come from @loom/engine as types only
 * (erased at build time); engine code reaches the browser only through `@loom/engine/browser`, which
 * uses no Node built-ins. The HTTP response shapes mirror
 * the server's zod schemas in packages/server/src/loom/api-schemas.ts.
 */
import type { ComfyMap } from '@loom/engine/browser';
import type { Catalog, CatalogEntry, CatalogParam, EngineEvent, ErrorInfo, Graph, NodeInstance, Problem, UiPayload } from '@loom/engine';

export type { Catalog, CatalogEntry, CatalogParam, EngineEvent, ErrorInfo, Graph, NodeInstance, Problem, UiPayload };

/** GET /loom/api/catalog: the registry's catalog plus ComfyUI class aliases (class name → our type). */
export interface ServerCatalog extends Catalog {
  comfyAliases: Record<string, string>;
  /** The full ComfyUI class/input map the engine's importers take. */
  comfyMap: ComfyMap;
}

export interface ValidateResponse {
  ok: boolean;
  problems: Problem[];
}

export interface SubmitResponse {
  promptId: string;
  number: number;
  targets: string[];
}

/** A 400 from POST /loom/api/prompts. */
export interface SubmitError {
  error: { type: string; message: string; details: string };
  problems?: Problem[];
}

export interface QueueItem {
  promptId: string;
  number: number;
  format: 'comfy' | 'loom';
  clientId?: string;
  targets: string[];
  createdAt: number;
  nodeCount: number;
  title?: string;
}

export interface QueueResponse {
  running: QueueItem[];
  pending: QueueItem[];
}

/** One image an output node reports (ComfyUI's `ui.images` entry). */
export interface ImageRef {
  filename: string;
  subfolder: string;
  type: 'output' | 'temp' | 'input';
}

export interface HistoryItem {
  promptId: string;
  outcome: 'success' | 'error' | 'interrupted';
  format: 'comfy' | 'loom';
  createdAt: number;
  startedAt?: number;
  finishedAt: number;
  executed: string[];
  cached: string[];
  outputs: Record<string, UiPayload>;
  error?: ErrorInfo;
}

/** GET /loom/api/history/{id}: the item plus ComfyUI's entry, whose `prompt[2]` is the prompt as submitted. */
export interface HistoryEntryResponse extends HistoryItem {
  comfy: { prompt: [number, string, unknown, Record<string, unknown>, string[]] };
}

export interface HistoryResponse {
  items: HistoryItem[];
  total: number;
}

export interface TemplateSummary {
  name: string;
  title?: string;
  description?: string;
  modified: number;
}

export interface ModelsResponse {
  pipelines: string[];
  loras: string[];
  upscaleModels: string[];
}

/** ComfyUI's /object_info entry, only the parts the editor reads (input names and file lists). */
export interface ObjectInfoEntry {
  input: { required: Record<string, [unknown, Record<string, unknown>?]>; optional?: Record<string, [unknown, Record<string, unknown>?]> };
  input_order?: { required: string[]; optional?: string[] };
  output: string[];
  output_name: string[];
}

export type ObjectInfo = Record<string, ObjectInfoEntry>;

/** Messages on /loom/ws (packages/server/src/ws/ws-hub.ts). */
export type LoomSocketMessage =
  | { type: 'hello'; data: { sid: string; queueRemaining: number } }
  | { type: 'queue'; data: { remaining: number } }
  | { type: 'heartbeat'; data: { queueRemaining: number; time: number } }
  | { type: 'event'; data: { promptId: string; event: EngineEvent & { hasPreview?: boolean } } }
  | { type: 'prompt.done'; data: { promptId: string; outcome: 'success' | 'error' | 'interrupted'; error?: ErrorInfo } };
