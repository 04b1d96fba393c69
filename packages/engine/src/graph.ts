/**
 * The native graph document: explicit, readable, diffable. A zod schema validates its shape; the
 * JSON Schema for editors (`schema/graph.schema.json`) is generated from it by `npm run gen:schema`.
 */
import { z } from 'zod';

/** A link to another node's named output. */
const LinkSchema = z
  .strictObject({
    node: z.string().min(1).describe('Id of the upstream node'),
    output: z.string().min(1).describe('Name of the upstream output'),
  })
  .describe("A link to another node's output");
export type Link = z.infer<typeof LinkSchema>;

/** Any JSON value; parameters are checked later against their node's schema. */
const LiteralSchema: z.ZodType<unknown> = z.json().describe('A literal parameter value');

const NodeInstanceSchema = z.strictObject({
  type: z.string().min(1).describe('Node type, e.g. "UNetSampler"'),
  inputs: z
    .record(z.string(), z.union([LinkSchema, LiteralSchema]))
    .default({})
    .describe('Port links and parameter values by input name'),
  mode: z
    .enum(['bypass', 'mute'])
    .optional()
    .describe(
      'Absent: the node runs. "bypass": it passes its first input of each output\'s type through (ComfyUI mode 4). ' +
        '"mute": it and what depends only on it are skipped (ComfyUI mode 2).',
    ),
  ui: z
    .looseObject({
      position: z.tuple([z.number(), z.number()]).optional(),
      title: z.string().optional(),
    })
    .optional()
    .describe('Editor state; ignored by the engine'),
});
export type NodeInstance = z.infer<typeof NodeInstanceSchema>;

export const GraphSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).describe('Graph format version'),
    nodes: z.record(z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'node ids are letters, digits and _ . : -'), NodeInstanceSchema),
    meta: z.record(z.string(), z.unknown()).optional().describe('Free-form metadata: title, description, base model, LoRA'),
  })
  .describe('A Loom graph document');
export type Graph = z.infer<typeof GraphSchema>;

export function isLink(value: unknown): value is Link {
  return LinkSchema.safeParse(value).success;
}
