/** ComfyUI's informational routes: `/object_info`, `/system_stats`, `/features`, `/models`, and stubs clients probe. */
import { Router } from 'express';
import { HttpError } from '../http/http-error.ts';
import type { ServerContext } from '../server-context.ts';
import { comfySystemStats } from '../system/system-info.ts';
import { buildObjectInfo, objectInfoFor } from './object-info.ts';
import { readdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { listEmbeddingNames, MODEL_FOLDERS, withSafetensors } from '@loom/nodes';
import { existingFileInside } from '../http/safe-path.ts';

export function comfyInfoRoutes(ctx: ServerContext): Router {
  const router = Router();
  const { registry, comfyMap } = ctx.host;

  router.get('/object_info', async (_req, res) => {
    res.json(await buildObjectInfo(registry, comfyMap, ctx.folders));
  });

  router.get('/object_info/:className', async (req, res) => {
    const info = await objectInfoFor(req.params.className, registry, comfyMap, ctx.folders);
    res.json(info ? { [req.params.className]: info } : {});
  });

  router.get('/system_stats', (_req, res) => {
    res.json(comfySystemStats(ctx));
  });

  router.get('/features', (_req, res) => {
    res.json({ supports_preview_metadata: true, max_upload_size: ctx.limits.maxUploadBytes });
  });

  // ComfyUI answers the names a prompt can use after `embedding:` (files of models/embeddings, no extension).
  router.get('/embeddings', async (_req, res) => {
    res.json(await listEmbeddingNames(join(ctx.host.config.modelsDir, MODEL_FOLDERS.embeddings)));
  });
  // Loom has no frontend extensions; clients expect a list.
  router.get('/extensions', (_req, res) => void res.json([]));

  router.get('/models', async (_req, res) => {
    const entries = await readdir(ctx.host.config.modelsDir, { withFileTypes: true }).catch(() => []);
    const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
    res.json(['checkpoints', ...folders.filter((f) => /^[a-z_]+$/.test(f))].sort());
  });

  router.get('/models/:folder', async (req, res) => {
    const folder = req.params.folder;
    if (folder !== 'checkpoints' && ctx.folders.rootOf(folder) === null) throw new HttpError(404, 'not_found', `Unknown model folder "${folder}".`);
    const exists =
      folder === 'checkpoints' ||
      (await readdir(ctx.folders.rootOf(folder) as string).then(
        () => true,
        () => false,
      ));
    if (!exists) throw new HttpError(404, 'not_found', `Unknown model folder "${folder}".`);
    res.json(await ctx.folders.list(folder));
  });

  // ComfyUI: the `__metadata__` of a .safetensors file in a model folder, or 404 (also when it has none).
  router.get('/view_metadata/:folder', async (req, res) => {
    const filename = typeof req.query.filename === 'string' ? req.query.filename : '';
    const root = req.params.folder === 'checkpoints' ? ctx.host.config.modelsDir : ctx.folders.rootOf(req.params.folder);
    if (root === null || !filename.endsWith('.safetensors'))
      throw new HttpError(404, 'not_found', `No safetensors file "${filename}" in "${req.params.folder}".`);
    const dir = dirname(filename);
    const path = await existingFileInside(root, dir === '.' ? '' : dir, basename(filename));
    const metadata = await withSafetensors(path, async (file) => file.metadata).catch(() => undefined);
    if (metadata === undefined || Object.keys(metadata).length === 0) throw new HttpError(404, 'not_found', `${filename} has no safetensors metadata.`);
    res.json(metadata);
  });

  return router;
}
