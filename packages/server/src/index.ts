/** @loom/server: the HTTP + WebSocket server (Loom API and ComfyUI compatibility), queue and history. */
export { createServer, DEFAULT_MAX_BODY, DEFAULT_MAX_UPLOAD, type LoomServer, type ServerOptions } from './create-server.ts';
export type { ServerContext, ServerHost, ServerLimits } from './server-context.ts';
export type { PromptQueue, QueuedPrompt, QueueEvent, QueueSnapshot, PromptOutcome } from './queue/prompt-queue.ts';
export { EmbeddedQueue, RESTART_MESSAGE } from './queue/embedded-queue.ts';
export type { HistoryStore, HistoryRecord, ComfyHistoryEntry } from './store/history-types.ts';
export { FileHistoryStore } from './store/file-history-store.ts';
