/** The JSON Schema for graph files, generated from {@link GraphSchema} (`npm run gen:schema` writes it). */
import { z } from 'zod';
import { GraphSchema } from './graph.ts';

export const GRAPH_SCHEMA_PATH = new URL('../schema/graph.schema.json', import.meta.url);

export function graphJsonSchema(): string {
  const schema = z.toJSONSchema(GraphSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, $id: 'https://loom.dev/schema/graph.schema.json', title: 'Loom graph' }, null, 2)}\n`;
}
