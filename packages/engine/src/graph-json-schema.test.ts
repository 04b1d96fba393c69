import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GRAPH_SCHEMA_PATH, graphJsonSchema } from './graph-json-schema.ts';

test('the committed graph JSON Schema matches the zod schema (run `npm run gen:schema` if not)', () => {
  assert.equal(readFileSync(GRAPH_SCHEMA_PATH, 'utf8'), graphJsonSchema());
});

test('the JSON Schema describes nodes, links and the version', () => {
  const schema = JSON.parse(graphJsonSchema()) as { required: string[]; properties: Record<string, { const?: number }> };
  assert.deepEqual(schema.required.sort(), ['nodes', 'version']);
  assert.equal(schema.properties.version?.const, 1);
  assert.match(graphJsonSchema(), /Id of the upstream node/);
});
