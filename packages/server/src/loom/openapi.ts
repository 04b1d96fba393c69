/**
 * The OpenAPI 3.1 description of Loom's API, generated from the same zod schemas that check requests.
 * `openapi.json` beside this file is its committed output; a test fails when it is stale.
 */
import { z } from 'zod';
import * as S from './api-schemas.ts';

export const OPENAPI_PATH = new URL('./openapi.json', import.meta.url);

interface Route {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  response?: z.ZodType;
}

const ROUTES: Route[] = [
  { method: 'get', path: '/loom/api/catalog', summary: 'Node catalog: types, ports, parameters with JSON Schema, ComfyUI aliases' },
  { method: 'post', path: '/loom/api/validate', summary: 'Validate a graph without running it', body: S.ValidateBody, response: S.ValidateResponse },
  { method: 'post', path: '/loom/api/prompts', summary: 'Submit a graph (native or ComfyUI API format)', body: S.SubmitBody, response: S.SubmitResponse },
  { method: 'get', path: '/loom/api/queue', summary: 'Running and pending prompts', response: S.QueueResponse },
  { method: 'delete', path: '/loom/api/queue', summary: 'Remove every pending prompt' },
  {
    method: 'post',
    path: '/loom/api/queue/{promptId}/move',
    summary: 'Move a pending prompt to a new position',
    body: S.MoveBody,
    response: S.QueueResponse.pick({ pending: true }),
  },
  {
    method: 'delete',
    path: '/loom/api/queue/{promptId}',
    summary: 'Cancel one prompt: remove it if pending, interrupt it if running',
    response: S.CancelResponse,
  },
  {
    method: 'get',
    path: '/loom/api/history',
    summary: 'Finished prompts, paged (newest first by default)',
    query: S.HistoryQuery,
    response: S.HistoryResponse,
  },
  { method: 'get', path: '/loom/api/history/{promptId}', summary: 'One finished prompt, with its ComfyUI history entry', response: S.HistoryItemSchema },
  { method: 'delete', path: '/loom/api/history/{promptId}', summary: 'Forget one finished prompt' },
  { method: 'delete', path: '/loom/api/history', summary: 'Forget all finished prompts' },
  {
    method: 'get',
    path: '/loom/api/outputs',
    summary: 'Files in the output folder, newest first, with /view URLs',
    query: S.PageQuery,
    response: S.OutputsResponse,
  },
  { method: 'get', path: '/loom/api/templates', summary: 'Graph templates in graphs/', response: S.TemplatesResponse },
  { method: 'get', path: '/loom/api/templates/{name}', summary: 'Load one template' },
  { method: 'put', path: '/loom/api/templates/{name}', summary: 'Save a template (atomic write)', body: S.TemplateBody },
  { method: 'get', path: '/loom/api/models', summary: 'Pipelines, LoRAs and upscale models in the models folder', response: S.ModelsResponse },
  { method: 'post', path: '/loom/api/free', summary: 'Unload models / drop cached results between prompts', body: S.FreeBody },
  { method: 'get', path: '/loom/api/system', summary: 'Device, memory, caches and versions' },
  { method: 'get', path: '/loom/api/schema', summary: 'This document' },
];

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

function operation(route: Route): Record<string, unknown> {
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const query = route.query
    ? Object.entries(route.query.shape).map(([name, schema]) => ({ name, in: 'query', required: false, schema: jsonSchema(schema as z.ZodType, 'input') }))
    : [];
  const json = (schema: z.ZodType, io: 'input' | 'output') => ({ 'application/json': { schema: jsonSchema(schema, io) } });
  return {
    summary: route.summary,
    ...(params.length + query.length > 0 && { parameters: [...params, ...query] }),
    ...(route.body && { requestBody: { required: true, content: json(route.body, 'input') } }),
    responses: {
      [route.method === 'post' && route.path.endsWith('/prompts') ? '201' : '200']: {
        description: 'OK',
        ...(route.response && { content: json(route.response, 'output') }),
      },
      '4XX': { description: 'A JSON error naming what is wrong', content: json(S.ErrorResponse, 'output') },
    },
  };
}

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.0',
    info: { title: 'Loom API', version, description: "Loom's own HTTP API. The ComfyUI-compatible routes are described in packages/server/API.md." },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Required when the server was started with --token' } } },
    paths,
  };
}

export function openApiText(version: string): string {
  return `${JSON.stringify(openApiDocument(version), null, 2)}\n`;
}
