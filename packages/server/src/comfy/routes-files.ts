/**
 * `/view` and `/upload/image`: files served from and written into the output, input and temp folders
 * only (traversal, absolute paths and escaping symlinks are refused), uploads size-limited, checked to
 * be real images, and written atomically.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Router } from 'express';
import { HttpError } from '../http/http-error.ts';
import { sniffImage } from '../http/image-sniff.ts';
import { readUploadForm } from '../http/multipart-upload.ts';
import { parseOr400 } from '../http/parse-body.ts';
import { existingFileInside, safeFileName, writableFolderInside } from '../http/safe-path.ts';
import type { ServerContext } from '../server-context.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { ViewQuerySchema } from './comfy-schemas.ts';

type FolderType = 'output' | 'input' | 'temp';

function rootFor(ctx: ServerContext, type: FolderType): string {
  const { inputDir, outputDir, tempDir } = ctx.folders.dirs;
  return type === 'input' ? inputDir : type === 'temp' ? tempDir : outputDir;
}

/** `inline; filename="…"` with an ASCII fallback and the exact name in RFC 6266's `filename*`. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function comfyFileRoutes(ctx: ServerContext): Router {
  const router = Router();

  router.get('/view', async (req, res) => {
    const query = parseOr400(ViewQuerySchema, req.query, 'view query');
    const path = await existingFileInside(rootFor(ctx, query.type), query.subfolder, query.filename);
    res.setHeader('Content-Disposition', contentDisposition(basename(query.filename)));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    await new Promise<void>((resolve, reject) => res.sendFile(path, { dotfiles: 'allow' }, (err) => (err && !res.headersSent ? reject(err) : resolve())));
  });

  router.post('/upload/image', async (req, res) => {
    const form = await readUploadForm(req, ctx.limits.maxUploadBytes);
    if (!form.file || form.file.field !== 'image') throw new HttpError(400, 'invalid_upload', 'No file in the "image" field.');
    const type = form.fields.type ?? 'input';
    if (type !== 'input' && type !== 'temp' && type !== 'output')
      throw new HttpError(400, 'invalid_upload', `type must be input, temp or output (got "${type}").`);
    const image = sniffImage(form.file.data);
    if (!image) throw new HttpError(415, 'invalid_image', 'The upload is not a PNG, JPEG, WebP or GIF image (its header does not match).');
    const subfolder = form.fields.subfolder ?? '';
    const folder = await writableFolderInside(rootFor(ctx, type), subfolder);
    const wanted = safeFileName(form.file.filename || `upload${extensionFor(image.mime)}`);
    const overwrite = form.fields.overwrite === 'true' || form.fields.overwrite === '1';
    const name = overwrite ? wanted : await freeName(folder, wanted, form.file.data);
    const target = join(folder, name);
    if (overwrite || !(await sameContent(target, form.file.data))) await writeFileAtomic(target, form.file.data);
    res.json({ name, subfolder, type });
  });

  return router;
}

function extensionFor(mime: string): string {
  return { 'image/png': '.png', 'image/jpeg': '.jpg', 'image/webp': '.webp', 'image/gif': '.gif' }[mime] ?? '';
}

/** ComfyUI's auto-rename: `name (1).png`, `name (2).png`... unless the existing file has the same bytes. */
async function freeName(folder: string, wanted: string, data: Buffer): Promise<string> {
  const ext = extname(wanted);
  const stem = wanted.slice(0, wanted.length - ext.length);
  for (let i = 0; i < 10_000; i++) {
    const candidate = i === 0 ? wanted : `${stem} (${i})${ext}`;
    const existing = await readFile(join(folder, candidate)).catch(() => null);
    if (existing === null || hash(existing) === hash(data)) return candidate;
  }
  throw new HttpError(409, 'too_many_versions', `Too many files named like "${wanted}".`);
}

async function sameContent(path: string, data: Buffer): Promise<boolean> {
  const existing = await readFile(path).catch(() => null);
  return existing !== null && hash(existing) === hash(data);
}

function hash(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
