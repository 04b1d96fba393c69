/** History records: ComfyUI's history entry exactly as `/history` serves it, plus Loom's own facts. */
import type { ErrorInfo } from '@loom/engine';
import type { PromptFormat, PromptOutcome, PromptOutputs } from '../queue/prompt-queue.ts';

/** `[event, data]` pairs kept in `status.messages` (execution_start, execution_cached, and the end). */
export type HistoryMessage = [string, Record<string, unknown>];

/** ComfyUI's history entry (ComfyUI execution.py `PromptQueue.task_done`). */
export interface ComfyHistoryEntry {
  /** The `/queue` 5-tuple: [number, prompt_id, prompt, extra_data, outputs_to_execute]. */
  prompt: [number, string, unknown, Record<string, unknown>, string[]];
  outputs: PromptOutputs;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: HistoryMessage[] };
  meta: Record<string, { node_id: string; display_node: string; parent_node: null; real_node_id: string }>;
}

export interface HistoryRecord {
  promptId: string;
  /** Monotonic insertion order; survives restarts. */
  seq: number;
  entry: ComfyHistoryEntry;
  loom: {
    format: PromptFormat;
    outcome: PromptOutcome;
    clientId?: string;
    createdAt: number;
    startedAt?: number;
    finishedAt: number;
    executed: string[];
    cached: string[];
    error?: ErrorInfo;
  };
}

export interface HistoryPage {
  items: HistoryRecord[];
  total: number;
}

/** Where finished prompts are kept. The embedded store is files in the data dir; issue 11 adds Redis. */
export interface HistoryStore {
  load(): Promise<void>;
  /** Stores a record durably (assigning `seq`) before resolving. */
  put(record: Omit<HistoryRecord, 'seq'>): Promise<HistoryRecord>;
  get(promptId: string): HistoryRecord | undefined;
  /** Oldest first, `[offset, offset + limit)`. */
  page(offset: number, limit: number): HistoryPage;
  delete(promptIds: string[]): Promise<number>;
  clear(): Promise<void>;
  readonly size: number;
}
