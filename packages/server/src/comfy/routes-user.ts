/**
 * ComfyUI's user routes with its shapes, so a frontend keeps workflows and settings across restarts:
 * `GET /users` (single-user: `{storage: "server", migrated: true}`), `GET|POST /settings`,
 * `GET|POST /settings/{id}`, `GET /userdata?dir=&recurse=&full_info=&split=`, `GET|POST|DELETE
 * /userdata/{file}` (the file path URL-encoded, e.g. `workflows%2Fa.json`) and
 * `POST /userdata/{file}/move/{dest}`. Bodies of POST /userdata are raw bytes.
 */
import { extname } from 'node:path';
import express, { Router, type Request } from 'express';
import { HttpError } from '../http/http-error.ts';
import type { UserStore } from './user-store.ts';

const flag = (req: Request, name: string, fallback: boolean): boolean => {
  const value = req.query[name];
  return typeof value === 'string' ? value === 'true' || value === '1' : fallback;
};

/** Express decodes `%2F` in a param; ComfyUI's paths use `/` inside one segment that way. */
const fileParam = (req: Request, name: string): string => String(req.params[name] ?? '');

export function comfyUserRoutes(store: UserStore, maxBodyBytes: number): Router {
  const router = Router();

  router.get('/users', (_req, res) => void res.json({ storage: 'server', migrated: true }));
  router.post('/users', () => {
    throw new HttpError(400, 'single_user', 'Loom serves a single user; there are no users to create.');
  });

  router.get('/settings', async (_req, res) => void res.json(await store.settings()));
  router.get('/settings/:id', async (req, res) => void res.json((await store.settings())[req.params.id] ?? null));
  router.post('/settings', async (req, res) => {
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))
      throw new HttpError(400, 'invalid_request', 'POST /settings takes a JSON object of settings.');
    await store.updateSettings(req.body as Record<string, unknown>);
    res.status(200).end();
  });
  router.post('/settings/:id', async (req, res) => {
    await store.updateSettings({ [req.params.id]: req.body ?? null });
    res.status(200).end();
  });

  router.get('/userdata', async (req, res) => {
    const dir = typeof req.query.dir === 'string' ? req.query.dir : '';
    if (dir === '') throw new HttpError(400, 'invalid_request', 'Directory not provided: pass ?dir=workflows (or another folder).');
    const files = await store.list(dir, flag(req, 'recurse', false));
    if (files === undefined) throw new HttpError(404, 'not_found', `No user folder "${dir}".`);
    if (flag(req, 'full_info', false)) return void res.json(files);
    const split = flag(req, 'split', false);
    res.json(files.map((f) => (split ? [f.path, ...f.path.split('/')] : f.path)));
  });

  router.get('/userdata/:file', async (req, res) => {
    const file = fileParam(req, 'file');
    const bytes = await store.read(file);
    res.type(extname(file) || 'application/octet-stream').send(bytes);
  });

  const raw = express.raw({ type: () => true, limit: maxBodyBytes });
  const reply = async (res: express.Response, req: Request, file: string): Promise<void> => {
    if (flag(req, 'full_info', false)) res.json(await store.info(file));
    else res.json(store.relative(await store.pathOf(file)));
  };

  router.post('/userdata/:file', raw, async (req, res) => {
    const file = fileParam(req, 'file');
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!(await store.write(file, body, flag(req, 'overwrite', true))))
      throw new HttpError(409, 'exists', `User file "${file}" exists; pass overwrite=true to replace it.`);
    await reply(res, req, file);
  });

  router.delete('/userdata/:file', async (req, res) => {
    await store.remove(fileParam(req, 'file'));
    res.status(204).end();
  });

  router.post('/userdata/:file/move/:dest', async (req, res) => {
    const dest = fileParam(req, 'dest');
    if (!(await store.move(fileParam(req, 'file'), dest, flag(req, 'overwrite', true))))
      throw new HttpError(409, 'exists', `User file "${dest}" exists; pass overwrite=true to replace it.`);
    await reply(res, req, dest);
  });

  return router;
}
