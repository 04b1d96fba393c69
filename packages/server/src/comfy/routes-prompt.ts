/**
 * ComfyUI's prompt, queue and history routes (ComfyUI server.py `PromptServer` routes), mounted bare and under
 * `/api`. Validation failures answer `{error, node_errors}` exactly as ComfyUI does.
 */
import { Router } from 'express';
import { importComfyWorkflow, isComfyPrompt, isComfyWorkflow, withComfyOrigin } from '@loom/engine';
import { HttpError } from '../http/http-error.ts';
import { parseOr400 } from '../http/parse-body.ts';
import { enqueue } from '../queue/enqueue.ts';
import type { QueuedPrompt } from '../queue/prompt-queue.ts';
import type { ServerContext } from '../server-context.ts';
import type { HistoryRecord } from '../store/history-types.ts';
import { ClearDeleteSchema, FreeSchema, HistoryQuerySchema, InterruptSchema, PromptBodySchema } from './comfy-schemas.ts';
import { prepareComfyPrompt } from './prepare-prompt.ts';
import { modelFileError, modelFileErrors } from './check-models.ts';
import { prepareNativeGraph } from '../loom/prepare-graph.ts';

/** The `/queue` 5-tuple: [number, prompt_id, prompt, extra_data, outputs_to_execute]. */
function queueTuple(p: QueuedPrompt): [number, string, unknown, Record<string, unknown>, string[]] {
  return [p.number, p.promptId, p.prompt, p.extraData, p.targets];
}

function historyMap(records: HistoryRecord[]): Record<string, unknown> {
  return Object.fromEntries(records.map((r) => [r.promptId, r.entry]));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A missing or empty body means `{}` (ComfyUI's `/interrupt` and `/free` accept both; clients post `/interrupt` with no body, `{}` or `{prompt_id}`). */
const bodyOf = (body: unknown): unknown => body ?? {};

export function comfyPromptRoutes(ctx: ServerContext): Router {
  const router = Router();

  router.post('/prompt', async (req, res) => {
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw new HttpError(400, 'invalid_request', 'The body must be a JSON object like {"prompt": {...}, "client_id": "..."}.');
    }
    if (!('prompt' in req.body)) {
      res.status(400).json({ error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} });
      return;
    }
    const body = parseOr400(PromptBodySchema, req.body, 'prompt request');
    const clientId = body.client_id ?? (typeof body.extra_data?.client_id === 'string' ? body.extra_data.client_id : undefined);
    const native = !isComfyPrompt(body.prompt) && typeof body.prompt === 'object' && body.prompt !== null && 'nodes' in body.prompt;
    // Loom's extensions of ComfyUI's /prompt: a native graph, or a UI workflow ("Save" format; ComfyUI itself takes only API format).
    const document = isComfyWorkflow(body.prompt) ? importComfyWorkflow(body.prompt, ctx.host.registry, ctx.host.comfyMap) : body.prompt;
    const prepared = native
      ? prepareNativeGraph(document, ctx.host.registry, body.partial_execution_targets)
      : prepareComfyPrompt(body.prompt, ctx.host.registry, ctx.host.comfyMap, body.partial_execution_targets);
    if (!prepared.ok) {
      res.status(400).json({ error: prepared.error, node_errors: prepared.nodeErrors });
      return;
    }
    const badModels = await modelFileErrors(prepared.graph, prepared.targets, prepared.classTypes, ctx.host.config);
    if (Object.keys(badModels).length > 0) {
      res.status(400).json({ error: modelFileError(badModels), node_errors: badModels });
      return;
    }
    const queued = await enqueue(
      ctx,
      {
        format: native ? 'loom' : 'comfy',
        prompt: body.prompt,
        // What the client sent, for the PNG `prompt` and extra_pnginfo chunks (SaveImage).
        graph: withComfyOrigin(prepared.graph, {
          ...(!native && { prompt: body.prompt }),
          ...(isRecord(body.extra_data?.extra_pnginfo) && { extraPngInfo: body.extra_data.extra_pnginfo }),
        }),
        targets: prepared.targets,
        classTypes: prepared.classTypes,
        extraData: body.extra_data ?? {},
        ...(clientId !== undefined && { clientId }),
        ...(body.prompt_id !== undefined && { promptId: body.prompt_id }),
        ...(body.number !== undefined && { number: body.number }),
        ...(body.front !== undefined && { front: body.front }),
      },
      res,
    );
    res.json({ prompt_id: queued.promptId, number: queued.number, node_errors: prepared.nodeErrors });
  });

  router.get('/prompt', async (_req, res) => {
    res.json({ exec_info: { queue_remaining: await ctx.queue.remaining() } });
  });

  router.get('/queue', async (_req, res) => {
    const { running, pending } = await ctx.queue.snapshot();
    res.json({ queue_running: running.map(queueTuple), queue_pending: pending.map(queueTuple) });
  });

  router.post('/queue', async (req, res) => {
    const body = parseOr400(ClearDeleteSchema, bodyOf(req.body), 'queue request');
    if (body.clear) await ctx.queue.clear();
    if (body.delete) await ctx.queue.remove(body.delete);
    res.status(200).end();
  });

  router.get('/history', (req, res) => {
    const query = parseOr400(HistoryQuerySchema, req.query, 'history query');
    const total = ctx.history.size;
    // ComfyUI: with max_items and no offset, the last max_items entries; oldest first either way.
    const offset = query.offset ?? (query.max_items !== undefined ? Math.max(0, total - query.max_items) : 0);
    res.json(historyMap(ctx.history.page(offset, query.max_items ?? total).items));
  });

  router.get('/history/:promptId', (req, res) => {
    const record = ctx.history.get(req.params.promptId);
    res.json(record ? { [record.promptId]: record.entry } : {});
  });

  router.post('/history', async (req, res) => {
    const body = parseOr400(ClearDeleteSchema, bodyOf(req.body), 'history request');
    if (body.clear) await ctx.history.clear();
    if (body.delete) await ctx.history.delete(body.delete);
    res.status(200).end();
  });

  router.post('/interrupt', async (req, res) => {
    const body = parseOr400(InterruptSchema, bodyOf(req.body), 'interrupt request');
    await ctx.queue.interrupt(body.prompt_id);
    res.status(200).end();
  });

  router.post('/free', async (req, res) => {
    const body = parseOr400(FreeSchema, bodyOf(req.body), 'free request');
    await ctx.queue.free({ unloadModels: body.unload_models === true, freeMemory: body.free_memory === true });
    res.status(200).end();
  });

  return router;
}
