/** Writes packages/engine/schema/graph.schema.json from the zod schema (a test fails when it is stale). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GRAPH_SCHEMA_PATH, graphJsonSchema } from '../packages/engine/src/graph-json-schema.ts';

const path = fileURLToPath(GRAPH_SCHEMA_PATH);
mkdirSync(dirname(path), { recursive: true });
writeFileSync(path, graphJsonSchema());
console.log(`wrote ${path}`);
