/**
 * The built editor (`packages/editor/dist`) on the same port as the API: `/` and its asset files, nothing
 * else (the editor has no client-side routes), so every other path reaches the JSON 404 that ComfyUI
 * clients and the frontend expect for routes Loom does not have. Without a build, a small page that
 * says how to make one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

export const DEFAULT_EDITOR_DIR = fileURLToPath(new URL('../../../editor/dist', import.meta.url));

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Loom</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#eee;padding:.1rem .3rem;border-radius:3px}</style>
</head><body>
<h1>Loom server is running</h1>
<p>The editor has not been built, so only the API is served here.</p>
<p>Build it with <code>npm run build -w @loom/editor</code>, then restart <code>npm start</code>.</p>
<p>API: <a href="/loom/api/schema">/loom/api/schema</a> (OpenAPI), <a href="/system_stats">/system_stats</a>, <a href="/object_info">/object_info</a>.
ComfyUI clients connect to this address as they would to ComfyUI.</p>
</body></html>
`;

export function editorRoutes(editorDir: string): Router {
  const router = Router();
  const index = join(editorDir, 'index.html');
  if (existsSync(index)) {
    router.use(express.static(editorDir, { index: 'index.html', fallthrough: true }));
  } else {
    router.get('/', (_req, res) => void res.type('html').send(NOT_BUILT));
  }
  return router;
}
