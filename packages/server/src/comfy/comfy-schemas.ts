/**
 * zod schemas of the ComfyUI request bodies we accept. Lenient where ComfyUI is (unknown fields are
 * ignored: clients add `?clientId=`, `extra_data`, `front`, `number`, `_meta`), strict about types so bad input is a precise 400, never a crash.
 */
import { z } from 'zod';

export const PromptBodySchema = z.looseObject({
  prompt: z.unknown(),
  client_id: z.string().max(128).optional(),
  prompt_id: z.string().max(128).optional(),
  extra_data: z.record(z.string(), z.unknown()).optional(),
  number: z.coerce.number().refine(Number.isFinite, 'must be a finite number').optional(),
  front: z.boolean().optional(),
  partial_execution_targets: z.array(z.string()).optional(),
});

/** `POST /queue` and `POST /history`. */
export const ClearDeleteSchema = z.looseObject({
  clear: z.boolean().optional(),
  delete: z.array(z.string()).optional(),
});

export const InterruptSchema = z.looseObject({ prompt_id: z.string().optional() });

export const FreeSchema = z.looseObject({ unload_models: z.boolean().optional(), free_memory: z.boolean().optional() });

const NonNegativeInt = z.coerce.number().int().min(0);

export const HistoryQuerySchema = z.looseObject({
  max_items: NonNegativeInt.optional(),
  offset: NonNegativeInt.optional(),
});

export const ViewQuerySchema = z.looseObject({
  filename: z.string().min(1, 'filename is required').max(1024),
  type: z.enum(['output', 'input', 'temp']).default('output'),
  subfolder: z.string().max(1024).default(''),
});
