import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { versions } from '../system/versions.ts';
import { OPENAPI_PATH, openApiText } from './openapi.ts';

test('the committed openapi.json matches the zod schemas (regenerate with write-openapi.ts if not)', () => {
  assert.equal(readFileSync(OPENAPI_PATH, 'utf8'), openApiText(versions().loom));
});

test('the OpenAPI document describes the submit body and its limits', () => {
  const doc = JSON.parse(openApiText('0')) as {
    openapi: string;
    paths: Record<
      string,
      Record<string, { requestBody?: { content: { 'application/json': { schema: { properties: Record<string, unknown>; additionalProperties?: boolean } } } } }>
    >;
  };
  assert.equal(doc.openapi, '3.1.0');
  const submit = doc.paths['/loom/api/prompts']?.post?.requestBody?.content['application/json'].schema;
  assert.ok(submit);
  assert.deepEqual(Object.keys(submit.properties).sort(), ['clientId', 'front', 'graph', 'promptId', 'targets']);
  assert.equal(submit.additionalProperties, false, 'unknown fields are rejected (strictObject)');
  const move = doc.paths['/loom/api/queue/{promptId}/move']?.post?.requestBody?.content['application/json'].schema as unknown as {
    properties: { index: { minimum: number; type: string } };
  };
  assert.equal(move.properties.index.minimum, 0);
  assert.equal(move.properties.index.type, 'integer');
});
