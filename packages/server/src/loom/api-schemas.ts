/**
 * zod schemas of Loom's own API (`/loom/api/...`): they check requests, and the OpenAPI document in
 * `openapi.json` is generated from them (`node --import tsx packages/server/src/loom/write-openapi.ts`).
 */
import { z } from 'zod';
import { GraphSchema } from '@loom/engine';

export const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

export const SubmitBody = z
  .strictObject({
    graph: z.unknown().describe('A native Loom graph, a ComfyUI API-format prompt, or a ComfyUI UI workflow (the litegraph JSON of "Save")'),
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,128}$/)
      .optional()
      .describe('WebSocket session (/loom/ws or /ws clientId) that receives the events'),
    promptId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/)
      .optional()
      .describe('Client-chosen id; a UUID by default'),
    targets: z.array(z.string()).optional().describe('Output nodes to evaluate; all by default'),
    front: z.boolean().optional().describe('Run before everything already pending'),
  })
  .describe('Submit a graph for execution');

export const SubmitResponse = z.object({
  promptId: z.string(),
  number: z.number().describe('Queue priority (lower runs first)'),
  targets: z.array(z.string()),
  nodeErrors: z.record(z.string(), z.unknown()).describe('ComfyUI prompts only: outputs dropped for errors'),
});

export const ValidateBody = z.strictObject({ graph: z.unknown().describe('A native Loom graph, a ComfyUI API-format prompt or a ComfyUI UI workflow') });

const ProblemSchema = z.object({
  code: z.string(),
  nodeId: z.string().optional(),
  input: z.string().optional(),
  message: z.string(),
});

export const ValidateResponse = z.object({ ok: z.boolean(), problems: z.array(ProblemSchema) });

const QueueItemSchema = z.object({
  promptId: z.string(),
  number: z.number(),
  format: z.enum(['comfy', 'loom']),
  clientId: z.string().optional(),
  targets: z.array(z.string()),
  createdAt: z.number().describe('ms since the epoch'),
  nodeCount: z.number().int(),
  title: z.string().optional().describe("the graph's meta.title"),
});

export const QueueResponse = z.object({ running: z.array(QueueItemSchema), pending: z.array(QueueItemSchema) });

export const MoveBody = z.strictObject({ index: z.number().int().min(0).describe('New position among pending prompts; 0 runs next') });

export const CancelResponse = z.object({ promptId: z.string(), action: z.enum(['removed', 'interrupted']) });

export const PageQuery = z.looseObject({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const HistoryQuery = PageQuery.extend({ order: z.enum(['newest', 'oldest']).default('newest') });

export const HistoryItemSchema = z.object({
  promptId: z.string(),
  outcome: z.enum(['success', 'error', 'interrupted']),
  format: z.enum(['comfy', 'loom']),
  createdAt: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number(),
  executed: z.array(z.string()),
  cached: z.array(z.string()),
  outputs: z.record(z.string(), z.record(z.string(), z.array(z.unknown()))).describe('What each output node shows'),
  error: z.object({ code: z.string(), message: z.string(), nodeId: z.string().optional() }).loose().optional(),
});

export const HistoryResponse = z.object({ items: z.array(HistoryItemSchema), total: z.number().int(), offset: z.number().int(), limit: z.number().int() });

const OutputFileSchema = z.object({ filename: z.string(), subfolder: z.string(), size: z.number().int(), modified: z.number(), url: z.string() });
export const OutputsResponse = z.object({ items: z.array(OutputFileSchema), total: z.number().int(), offset: z.number().int(), limit: z.number().int() });

export const TemplateSummary = z.object({ name: z.string(), title: z.string().optional(), description: z.string().optional(), modified: z.number() });
export const TemplatesResponse = z.object({ templates: z.array(TemplateSummary) });
export const TemplateBody = GraphSchema;

export const ModelsResponse = z.object({
  pipelines: z.array(z.string()).describe('Folders at the top of the models dir with a model_index.json'),
  loras: z.array(z.string()),
  upscaleModels: z.array(z.string()),
});

export const FreeBody = z.strictObject({ unloadModels: z.boolean().default(true), freeMemory: z.boolean().default(false) });

export const ErrorResponse = z.object({
  error: z.object({ type: z.string(), message: z.string(), details: z.string(), extra_info: z.record(z.string(), z.unknown()) }),
  problems: z.array(ProblemSchema).optional(),
});
