/**
 * What travels through Redis between the API server and the workers: job data, worker adverts,
 * control messages and engine events. Engine events are JSON except previews, whose bytes travel as
 * base64. Everything read back is checked with zod: Redis is a boundary like HTTP.
 */
import { z } from 'zod';
import type { EngineEvent, ErrorInfo, Graph, UiPayload } from '@loom/engine';
import type { PromptOutcome } from '../queue/prompt-queue.ts';

/** An input file (an upload LoadImage reads) shipped with the job, for workers on other machines. */
export interface InputFile {
  subfolder: string;
  filename: string;
  /** base64 */
  data: string;
}

/** A BullMQ job's data: everything a worker needs to run the prompt. */
export interface JobData {
  promptId: string;
  graph: Graph;
  targets: string[];
  models: string[];
  inputs: InputFile[];
}

export const JobDataShape = z.object({
  promptId: z.string().min(1),
  graph: z.looseObject({ version: z.literal(1), nodes: z.record(z.string(), z.unknown()) }),
  targets: z.array(z.string()),
  models: z.array(z.string()),
  inputs: z.array(z.object({ subfolder: z.string(), filename: z.string().min(1), data: z.string() })),
});

/** What a worker advertises every heartbeat; routing and dead-worker detection read it. */
export interface WorkerAdvert {
  id: string;
  /** This process's run of the worker: a worker restarted under the same id is a new instance. */
  instance: string;
  /** The advert's time to live: the worker is presumed dead this long after its last heartbeat. */
  ttlMs: number;
  hostname: string;
  pid: number;
  device: string;
  threads: number;
  memory: { totalBytes: number; freeBytes: number; rssBytes: number };
  /** Pipelines in its models folder. */
  models: string[];
  /** Pipelines it has loaded: used by its recent prompts while its object cache still holds entries. */
  loaded: string[];
  /** Pipeline → ms its last cold load took here (measured, for routing). */
  loadMs: Record<string, number>;
  /** Pipeline set (`routing.ts` modelSetKey) → ms a run of it takes here once loaded. */
  runMs: Record<string, number>;
  state: 'idle' | 'busy';
  promptId?: string;
  startedAt: number;
  lastSeen: number;
}

const MsByName = z.record(z.string(), z.number().nonnegative());

export const WorkerAdvertShape = z.object({
  id: z.string().min(1),
  instance: z.string().min(1),
  ttlMs: z.number().positive(),
  hostname: z.string(),
  pid: z.number(),
  device: z.string(),
  threads: z.number(),
  memory: z.object({ totalBytes: z.number(), freeBytes: z.number(), rssBytes: z.number() }),
  models: z.array(z.string()),
  loaded: z.array(z.string()),
  loadMs: MsByName,
  runMs: MsByName,
  state: z.enum(['idle', 'busy']),
  promptId: z.string().optional(),
  startedAt: z.number(),
  lastSeen: z.number(),
});

/** Server → workers, on the control channel. */
export type ControlMessage =
  { type: 'wake'; worker: string; queue: string } | { type: 'interrupt'; promptId: string } | { type: 'free'; unloadModels: boolean; freeMemory: boolean };

export const ControlShape = z.discriminatedUnion('type', [
  z.object({ type: z.literal('wake'), worker: z.string(), queue: z.string() }),
  z.object({ type: z.literal('interrupt'), promptId: z.string() }),
  z.object({ type: z.literal('free'), unloadModels: z.boolean(), freeMemory: z.boolean() }),
]);

/** An output file a worker put into Redis for the server to store; `key` holds the bytes. */
export interface FileRef {
  key: string;
  type: 'output' | 'temp';
  subfolder: string;
  filename: string;
}

/** One engine event on the wire, with the files its `ui` names. */
export interface WireEvent {
  event: EngineEvent;
  files: FileRef[];
}

/** The last record of an attempt: its terminal engine event and the outcome. */
export interface WireEnd {
  outcome: PromptOutcome;
  event: EngineEvent;
  /** Why it did not succeed (the engine's error, CANCELLED for an interrupt), as embedded mode reports it. */
  error?: ErrorInfo;
}

const PreviewShape = z.object({ mime: z.enum(['image/png', 'image/jpeg']), data: z.string(), output: z.boolean().optional() });
const FileRefShape = z.object({ key: z.string(), type: z.enum(['output', 'temp']), subfolder: z.string(), filename: z.string().min(1) });
// The engine's event union is checked by its discriminant and run id; its payloads are the engine's own.
const EventShape = z.looseObject({ type: z.string(), runId: z.string(), preview: PreviewShape.optional() });
const WireEventShape = z.object({ event: EventShape, files: z.array(FileRefShape) });
const ErrorShape = z.looseObject({ code: z.string(), message: z.string() });
const WireEndShape = z.object({ outcome: z.enum(['success', 'error', 'interrupted']), event: EventShape, error: ErrorShape.optional() });

export function encodeEvent(event: EngineEvent, files: FileRef[] = []): string {
  if (event.type === 'node.progress' && event.preview) {
    const preview = { mime: event.preview.mime, data: Buffer.from(event.preview.data).toString('base64'), ...(event.preview.output && { output: true }) };
    return JSON.stringify({ event: { ...event, preview }, files });
  }
  return JSON.stringify({ event, files });
}

function restore(event: z.infer<typeof EventShape>): EngineEvent {
  const { preview, ...rest } = event;
  // The shape was checked above; the remaining fields are the engine's event as the worker emitted it.
  const plain = rest as unknown as EngineEvent;
  if (preview && plain.type === 'node.progress')
    return { ...plain, preview: { mime: preview.mime, data: new Uint8Array(Buffer.from(preview.data, 'base64')), ...(preview.output && { output: true }) } };
  return plain;
}

export function decodeEvent(text: string): WireEvent {
  const parsed = WireEventShape.parse(JSON.parse(text));
  return { event: restore(parsed.event), files: parsed.files };
}

export function encodeEnd(end: WireEnd): string {
  return JSON.stringify(end);
}

export function decodeEnd(text: string): WireEnd {
  const parsed = WireEndShape.parse(JSON.parse(text));
  // The error's code and message were checked; it is the engine's ErrorInfo as the worker produced it.
  return { outcome: parsed.outcome, event: restore(parsed.event), ...(parsed.error && { error: parsed.error as unknown as ErrorInfo }) };
}

/** Image-like entries of a ui payload (`{filename, subfolder, type}`, ComfyUI's shape) that name a file. */
export function uiFiles(ui: UiPayload): { key: string; index: number; filename: string; subfolder: string; type: 'output' | 'temp' }[] {
  const found: { key: string; index: number; filename: string; subfolder: string; type: 'output' | 'temp' }[] = [];
  for (const [key, items] of Object.entries(ui)) {
    items.forEach((item, index) => {
      if (typeof item !== 'object' || item === null) return;
      const { filename, subfolder, type } = item as Record<string, unknown>;
      if (typeof filename === 'string' && (type === 'output' || type === 'temp')) {
        found.push({ key, index, filename, subfolder: typeof subfolder === 'string' ? subfolder : '', type });
      }
    });
  }
  return found;
}
