/** What every route module receives: the host, the queue and history seams, folders and limits. */
import type { ComfyMap, Engine, NodeRegistry } from '@loom/engine';
import type { NodePackConfig } from '@loom/nodes';
import type { ModelFolders } from './files/model-folders.ts';
import type { PromptQueue } from './queue/prompt-queue.ts';
import type { HistoryStore } from './store/history-types.ts';

/** The parts of `createHost()`'s result the server uses; tests inject their own (stub nodes). */
export interface ServerHost {
  engine: Engine;
  registry: NodeRegistry;
  comfyMap: ComfyMap;
  config: NodePackConfig;
}

export interface ServerLimits {
  /** JSON bodies. */
  maxBodyBytes: number;
  /** One uploaded file. */
  maxUploadBytes: number;
}

export interface ServerContext {
  host: ServerHost;
  queue: PromptQueue;
  history: HistoryStore;
  folders: ModelFolders;
  limits: ServerLimits;
  /** Where `graphs/*.json` templates live. */
  templatesDir: string;
  /** Delay between flushing a POST /prompt response and starting the prompt: clients listen only after reading the response. */
  startDelayMs: number;
  startedAt: number;
  log: (message: string) => void;
}
