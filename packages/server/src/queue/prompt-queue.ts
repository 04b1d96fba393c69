/**
 * The queue seam (issue 11): routes and the WebSocket hub talk only to {@link PromptQueue}. The embedded
 * implementation runs prompts in this process and persists the queue in the data dir; a Redis/BullMQ
 * implementation can run them on workers and stream the same events back, unchanged for clients.
 */
import type { EngineEvent, ErrorInfo, Graph, UiPayload } from '@loom/engine';

/** How a prompt arrived: ComfyUI API format (`/prompt`) or a native Loom graph (`/loom/api/prompts`). */
export type PromptFormat = 'comfy' | 'loom';

/** A validated prompt waiting or running. Everything in it is JSON, so it persists and travels as is. */
export interface QueuedPrompt {
  promptId: string;
  /** Queue priority: lower runs first (ComfyUI's `number`; FIFO by default, negative for `front`). */
  number: number;
  format: PromptFormat;
  /** The document as the client posted it (echoed by `/queue` and `/history`). */
  prompt: unknown;
  /** The native graph that runs. */
  graph: Graph;
  /** ComfyUI's `extra_data` (client_id, extra_pnginfo...), stored and echoed. */
  extraData: Record<string, unknown>;
  /** Output nodes to evaluate. */
  targets: string[];
  /** WebSocket session that receives this prompt's events; none means no per-prompt events. */
  clientId?: string;
  /** Node id → the class name the client used (a ComfyUI alias or our type), for error reports. */
  classTypes: Record<string, string>;
  createdAt: number;
}

export interface QueueSnapshot {
  running: QueuedPrompt[];
  pending: QueuedPrompt[];
}

export type PromptOutcome = 'success' | 'error' | 'interrupted';

/** What a queue reports. Per-prompt events arrive in engine order, then exactly one `prompt.done`. */
export type QueueEvent =
  /** Pending or running changed (put, start, done, delete, clear): clients get a `status` broadcast. */
  | { type: 'queue.changed'; remaining: number }
  | { type: 'prompt.event'; promptId: string; clientId?: string; classTypes: Record<string, string>; event: EngineEvent }
  /** Sent after the history entry is stored and the prompt has left `running`. */
  | { type: 'prompt.done'; promptId: string; clientId?: string; outcome: PromptOutcome; error?: ErrorInfo };

export type QueueListener = (event: QueueEvent) => void;

export interface SubmitOptions {
  /** The prompt may start only after this settles (the HTTP response is flushed, plus a short delay). */
  gate?: Promise<unknown>;
}

export interface FreeOptions {
  unloadModels: boolean;
  freeMemory: boolean;
}

/** The queue contract both implementations honour. All methods are async so a networked store fits. */
export interface PromptQueue {
  /** Persists the prompt, then resolves; an acknowledged prompt survives a crash. */
  submit(prompt: QueuedPrompt, options?: SubmitOptions): Promise<void>;
  snapshot(): Promise<QueueSnapshot>;
  /** Pending + running, as `queue_remaining`. */
  remaining(): Promise<number>;
  /** A fresh priority number: FIFO after everything queued, or before everything with `front`. */
  nextNumber(front: boolean): Promise<number>;
  /** Removes pending prompts; returns the ids removed. Running prompts are not touched. */
  remove(promptIds: string[]): Promise<string[]>;
  /** Removes every pending prompt; returns how many. */
  clear(): Promise<number>;
  /** Moves a pending prompt to `index` among the pending ones (0 = next to run). */
  move(promptId: string, index: number): Promise<boolean>;
  /** Interrupts the running prompt (only if it is `promptId`, when given). True if one was interrupted. */
  interrupt(promptId?: string): Promise<boolean>;
  /** Drops loaded models and/or cached results between prompts (ComfyUI's `/free`). */
  free(options: FreeOptions): Promise<void>;
  /** The last node the running prompt started, for a client that reconnects mid-run. */
  currentNode(): { promptId: string; clientId?: string; nodeId: string } | null;
  on(listener: QueueListener): () => void;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** UI outputs of a finished prompt by node id (ComfyUI history `outputs`). */
export type PromptOutputs = Record<string, UiPayload>;
