/** Loom's own API for running graphs: catalog, validate, submit, queue, history, free, system. */
import { Router } from 'express';
import { comfySemantics, isComfyPrompt, isComfyWorkflow, importComfyWorkflow, withComfyOrigin } from '@loom/engine';
import { prepareComfyPrompt } from '../comfy/prepare-prompt.ts';
import { HttpError } from '../http/http-error.ts';
import { parseOr400 } from '../http/parse-body.ts';
import { enqueue } from '../queue/enqueue.ts';
import type { QueuedPrompt } from '../queue/prompt-queue.ts';
import type { ServerContext } from '../server-context.ts';
import type { HistoryRecord } from '../store/history-types.ts';
import { loomSystem } from '../system/system-info.ts';
import { FreeBody, HistoryQuery, MoveBody, SubmitBody, ValidateBody } from './api-schemas.ts';
import { prepareNativeGraph } from './prepare-graph.ts';
import { modelFileError, modelFileErrors } from '../comfy/check-models.ts';

function queueItem(p: QueuedPrompt) {
  return {
    promptId: p.promptId,
    number: p.number,
    format: p.format,
    ...(p.clientId !== undefined && { clientId: p.clientId }),
    targets: p.targets,
    createdAt: p.createdAt,
    nodeCount: Object.keys(p.graph.nodes).length,
    ...graphTitle(p),
  };
}

/** The graph's `meta.title`, when it has one (the editor's queue panel names jobs by it). */
function graphTitle(p: QueuedPrompt): { title?: string } {
  const title = p.graph.meta?.['title'];
  return typeof title === 'string' && title.trim() !== '' ? { title } : {};
}

function historyItem(r: HistoryRecord) {
  return { promptId: r.promptId, ...r.loom, outputs: r.entry.outputs };
}

function prepare(ctx: ServerContext, graph: unknown, targets?: string[]) {
  if (isComfyPrompt(graph)) {
    const checked = prepareComfyPrompt(graph, ctx.host.registry, ctx.host.comfyMap, targets);
    const prepared = checked.ok ? { ...checked, graph: withComfyOrigin(checked.graph, { prompt: graph }) } : checked;
    return { prepared, format: 'comfy' as const, problems: [] };
  }
  // A UI workflow is one document the user edits as a whole, like a native graph.
  const document = isComfyWorkflow(graph) ? importComfyWorkflow(graph, ctx.host.registry, ctx.host.comfyMap) : graph;
  const prepared = prepareNativeGraph(document, ctx.host.registry, targets);
  return { prepared, format: 'loom' as const, problems: prepared.problems };
}

export function loomRunRoutes(ctx: ServerContext): Router {
  const router = Router();

  router.get('/catalog', (_req, res) => {
    const aliases = Object.entries(ctx.host.comfyMap);
    res.json({
      ...ctx.host.registry.catalog(),
      comfyAliases: Object.fromEntries(aliases.map(([name, m]) => [name, m.type])),
      comfyMap: ctx.host.comfyMap,
      // For each ComfyUI class: the Loom node that serves it and how its semantics relate to ComfyUI's.
      comfy: Object.fromEntries(aliases.map(([name, m]) => [name, { node: m.type, semantics: comfySemantics(name, m) }])),
    });
  });

  router.post('/validate', (req, res) => {
    const body = parseOr400(ValidateBody, req.body, 'validate request');
    const { prepared, problems } = prepare(ctx, body.graph);
    if (prepared.ok) return void res.json({ ok: true, problems: [] });
    // ComfyUI prompts report in node_errors form; flatten them into problems for one response shape.
    const comfyProblems = Object.entries(prepared.nodeErrors).flatMap(([nodeId, e]) =>
      e.errors.map((x) => ({
        code: x.type,
        nodeId,
        ...(typeof x.extra_info.input_name === 'string' && { input: x.extra_info.input_name }),
        message: x.details || x.message,
      })),
    );
    const all =
      problems.length > 0
        ? problems
        : comfyProblems.length > 0
          ? comfyProblems
          : [{ code: prepared.error.type, message: `${prepared.error.message}. ${prepared.error.details}`.trim() }];
    res.json({ ok: false, problems: all });
  });

  router.post('/prompts', async (req, res) => {
    const body = parseOr400(SubmitBody, req.body, 'submit request');
    const { prepared, format, problems } = prepare(ctx, body.graph, body.targets);
    if (!prepared.ok) {
      res.status(400).json({ error: prepared.error, problems, node_errors: prepared.nodeErrors });
      return;
    }
    const badModels = await modelFileErrors(prepared.graph, prepared.targets, prepared.classTypes, ctx.host.config);
    if (Object.keys(badModels).length > 0) {
      const modelProblems = Object.entries(badModels).flatMap(([nodeId, e]) =>
        e.errors.map((x) => ({ code: x.type.toUpperCase(), nodeId, input: 'pipeline', message: x.details })),
      );
      res.status(400).json({ error: modelFileError(badModels), problems: modelProblems, node_errors: badModels });
      return;
    }
    const queued = await enqueue(
      ctx,
      {
        format,
        prompt: body.graph,
        graph: prepared.graph,
        targets: prepared.targets,
        classTypes: prepared.classTypes,
        extraData: {},
        ...(body.clientId !== undefined && { clientId: body.clientId }),
        ...(body.promptId !== undefined && { promptId: body.promptId }),
        ...(body.front !== undefined && { front: body.front }),
      },
      res,
    );
    res.status(201).json({ promptId: queued.promptId, number: queued.number, targets: queued.targets, nodeErrors: prepared.nodeErrors });
  });

  router.get('/queue', async (_req, res) => {
    const { running, pending } = await ctx.queue.snapshot();
    res.json({ running: running.map(queueItem), pending: pending.map(queueItem) });
  });

  router.post('/queue/:promptId/move', async (req, res) => {
    const body = parseOr400(MoveBody, req.body, 'move request');
    if (!(await ctx.queue.move(req.params.promptId, body.index))) throw new HttpError(404, 'not_found', `No pending prompt "${req.params.promptId}".`);
    const { pending } = await ctx.queue.snapshot();
    res.json({ pending: pending.map(queueItem) });
  });

  router.delete('/queue/:promptId', async (req, res) => {
    const id = req.params.promptId;
    if ((await ctx.queue.remove([id])).length > 0) return void res.json({ promptId: id, action: 'removed' });
    if (await ctx.queue.interrupt(id)) return void res.json({ promptId: id, action: 'interrupted' });
    throw new HttpError(404, 'not_found', `Prompt "${id}" is neither pending nor running.`);
  });

  router.delete('/queue', async (_req, res) => {
    res.json({ removed: await ctx.queue.clear() });
  });

  router.get('/history', (req, res) => {
    const query = parseOr400(HistoryQuery, req.query, 'history query');
    const total = ctx.history.size;
    // Newest first counts from the end of the oldest-first store.
    const start = query.order === 'newest' ? Math.max(0, total - query.offset - query.limit) : query.offset;
    const end = query.order === 'newest' ? Math.max(0, total - query.offset) : query.offset + query.limit;
    const items = ctx.history.page(start, end - start).items.map(historyItem);
    res.json({ items: query.order === 'newest' ? items.reverse() : items, total, offset: query.offset, limit: query.limit });
  });

  router.get('/history/:promptId', (req, res) => {
    const record = ctx.history.get(req.params.promptId);
    if (!record) throw new HttpError(404, 'not_found', `No finished prompt "${req.params.promptId}".`);
    res.json({ ...historyItem(record), comfy: record.entry });
  });

  router.delete('/history/:promptId', async (req, res) => {
    if ((await ctx.history.delete([req.params.promptId])) === 0) throw new HttpError(404, 'not_found', `No finished prompt "${req.params.promptId}".`);
    res.json({ deleted: req.params.promptId });
  });

  router.delete('/history', async (_req, res) => {
    const count = ctx.history.size;
    await ctx.history.clear();
    res.json({ deleted: count });
  });

  router.post('/free', async (req, res) => {
    const body = parseOr400(FreeBody, req.body ?? {}, 'free request');
    await ctx.queue.free(body);
    res.json({ ok: true });
  });

  router.get('/system', (_req, res) => {
    res.json(loomSystem(ctx));
  });

  return router;
}
