/** Loom's file-facing API: output files, graph templates (`graphs/*.json`) and the model folders. */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Router } from 'express';
import { listFiles } from '../files/model-folders.ts';
import { HttpError } from '../http/http-error.ts';
import { parseOr400 } from '../http/parse-body.ts';
import { existingFileInside } from '../http/safe-path.ts';
import type { ServerContext } from '../server-context.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { PageQuery, TEMPLATE_NAME, TemplateBody } from './api-schemas.ts';

function templateName(name: string): string {
  if (!TEMPLATE_NAME.test(name)) {
    throw new HttpError(
      400,
      'invalid_template_name',
      'Template names are 1-100 letters, digits, _ or -, starting with a letter or digit (no extension, no folders).',
    );
  }
  return name;
}

export function loomFileRoutes(ctx: ServerContext): Router {
  const router = Router();

  router.get('/outputs', async (req, res) => {
    const query = parseOr400(PageQuery, req.query, 'outputs query');
    const root = ctx.folders.dirs.outputDir;
    const files = await Promise.all(
      (await listFiles(root)).map(async (rel) => {
        const info = await stat(join(root, rel)).catch(() => null);
        const cut = rel.lastIndexOf('/');
        const filename = rel.slice(cut + 1);
        const subfolder = cut < 0 ? '' : rel.slice(0, cut);
        const url = `/view?${new URLSearchParams({ filename, subfolder, type: 'output' })}`;
        return info && { filename, subfolder, size: info.size, modified: info.mtimeMs, url };
      }),
    );
    const present = files.filter((f) => f !== null).sort((a, b) => b.modified - a.modified);
    res.json({ items: present.slice(query.offset, query.offset + query.limit), total: present.length, offset: query.offset, limit: query.limit });
  });

  router.get('/templates', async (_req, res) => {
    const names = (await listFiles(ctx.templatesDir)).filter((f) => !f.includes('/') && f.endsWith('.json')).map((f) => f.slice(0, -5));
    const templates = [];
    for (const name of names.filter((n) => TEMPLATE_NAME.test(n))) {
      const path = join(ctx.templatesDir, `${name}.json`);
      const [info, text] = await Promise.all([stat(path), readFile(path, 'utf8')]);
      let meta: Record<string, unknown> = {};
      try {
        meta = ((JSON.parse(text) as { meta?: Record<string, unknown> }).meta ?? {}) as Record<string, unknown>;
      } catch {
        // An unparsable template is still listed, so the user can find and fix it.
      }
      templates.push({
        name,
        modified: info.mtimeMs,
        ...(typeof meta.title === 'string' && { title: meta.title }),
        ...(typeof meta.description === 'string' && { description: meta.description }),
      });
    }
    res.json({ templates });
  });

  router.get('/templates/:name', async (req, res) => {
    const path = await existingFileInside(ctx.templatesDir, '', `${templateName(req.params.name)}.json`);
    try {
      res.json(JSON.parse(await readFile(path, 'utf8')));
    } catch (err) {
      throw new HttpError(500, 'bad_template', `Template "${req.params.name}" is not valid JSON: ${(err as Error).message}.`);
    }
  });

  router.put('/templates/:name', async (req, res) => {
    const name = templateName(req.params.name);
    const graph = parseOr400(TemplateBody, req.body, 'template');
    await mkdir(ctx.templatesDir, { recursive: true });
    await writeFileAtomic(join(ctx.templatesDir, `${name}.json`), `${JSON.stringify(graph, null, 2)}\n`);
    res.json({ name });
  });

  router.get('/models', async (_req, res) => {
    const [pipelines, loras, upscaleModels] = await Promise.all([ctx.folders.pipelines(), ctx.folders.list('loras'), ctx.folders.list('upscale_models')]);
    res.json({ pipelines, loras, upscaleModels });
  });

  return router;
}
