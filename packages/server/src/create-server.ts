/**
 * `createServer()`: the HTTP + WebSocket server around a host (engine + node registry). Tests inject a
 * host with stub nodes and a temporary data dir; `loom-server` passes the real one. Queue and history
 * are injectable too, which is the seam for the Redis implementation (issue 11).
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import express from 'express';
import { assertComfyMap } from '@loom/engine';
import { comfyFileRoutes } from './comfy/routes-files.ts';
import { comfyInfoRoutes } from './comfy/routes-info.ts';
import { comfyPromptRoutes } from './comfy/routes-prompt.ts';
import { comfyUserRoutes } from './comfy/routes-user.ts';
import { UserStore } from './comfy/user-store.ts';
import { ModelFolders } from './files/model-folders.ts';
import { errorHandler, notFound } from './http/http-error.ts';
import { HostAllowList, isLoopbackHost } from './http/host-allow-list.ts';
import { hostFolders, PathRedactor, redactErrorBodies } from './http/redact-paths.ts';
import { checkRequest, securityMiddleware, type SecurityPolicy } from './http/security.ts';
import { openApiDocument } from './loom/openapi.ts';
import { loomFileRoutes } from './loom/routes-files.ts';
import { loomRunRoutes } from './loom/routes-run.ts';
import { EmbeddedQueue } from './queue/embedded-queue.ts';
import type { PromptQueue } from './queue/prompt-queue.ts';
import type { ServerContext, ServerHost } from './server-context.ts';
import { DEFAULT_EDITOR_DIR, editorRoutes } from './static/editor.ts';
import { FileHistoryStore } from './store/file-history-store.ts';
import type { HistoryStore } from './store/history-types.ts';
import { versions } from './system/versions.ts';
import type { BufferLimits } from './ws/client-socket.ts';
import { WsHub } from './ws/ws-hub.ts';

export interface ServerOptions {
  host: ServerHost;
  /** Queue, history and temp files (default `.loom` in the working directory). */
  dataDir?: string;
  /** Graph templates (default `graphs` in the working directory). */
  templatesDir?: string;
  /** The built editor; a hint page is served when it has no index.html. */
  editorDir?: string;
  /** Required on every request when set (and required for a non-loopback bind). */
  token?: string;
  /**
   * Extra names clients may use in `Host` (`name` or `name:port`), beside loopback names and the bound
   * address; any other Host is refused (DNS rebinding).
   */
  allowedHosts?: readonly string[];
  maxBodyBytes?: number;
  maxUploadBytes?: number;
  /** Pause between a flushed POST /prompt response and the prompt's start (default 50 ms). */
  startDelayMs?: number;
  heartbeatMs?: number;
  wsLimits?: BufferLimits;
  /** Alternative implementations (issue 11); the embedded file-backed ones by default. */
  queue?: PromptQueue;
  history?: HistoryStore;
  log?: (message: string) => void;
}

export interface LoomServer {
  readonly app: express.Express;
  readonly http: Server;
  readonly context: ServerContext;
  readonly hub: WsHub;
  /** Listens; refuses a non-loopback address without a token. Resolves with the base URL. */
  listen(port: number, bindHost?: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
export const DEFAULT_MAX_UPLOAD = 32 * 1024 * 1024;

export async function createServer(options: ServerOptions): Promise<LoomServer> {
  // An injected host's aliases get the check createHost gives the real one: a wrong one fails here, not per prompt.
  assertComfyMap(options.host.comfyMap, options.host.registry, "The host's ComfyUI aliases");
  const log = options.log ?? ((message: string) => console.error(message));
  const dataDir = resolve(options.dataDir ?? '.loom');
  const history = options.history ?? new FileHistoryStore(dataDir, undefined, log);
  await history.load();
  const templatesDir = resolve(options.templatesDir ?? 'graphs');
  const { modelsDir, inputDir, outputDir, tempDir } = options.host.config;
  const redactor = new PathRedactor([...hostFolders(options.host.config), { dir: templatesDir, name: 'graphs' }, { dir: dataDir, name: 'data' }]);
  const queue = options.queue ?? new EmbeddedQueue({ engine: options.host.engine, history, dataDir, log, redact: redactor });
  const context: ServerContext = {
    host: options.host,
    queue,
    history,
    folders: new ModelFolders({ modelsDir, inputDir, outputDir, tempDir }),
    limits: { maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY, maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD },
    templatesDir,
    startDelayMs: options.startDelayMs ?? 50,
    startedAt: Date.now(),
    log,
  };

  const policy: SecurityPolicy = { hosts: new HostAllowList(options.allowedHosts), token: options.token };
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple'); // flat string values only: no `a[b]=` objects to trip handlers
  app.use(securityMiddleware(policy));
  app.use(redactErrorBodies(redactor));
  // ComfyUI parses JSON whatever the Content-Type (aiohttp's `request.json()`; a client sends text/plain); multipart is for uploads.
  // POST /userdata/{file} bodies are file bytes, read raw by that route.
  const rawBody = (req: { url?: string; method?: string }): boolean => req.method === 'POST' && /^(\/api)?\/userdata\/[^/?]+(\?|$)/.test(req.url ?? '');
  app.use(
    express.json({
      limit: context.limits.maxBodyBytes,
      strict: false,
      type: (req) => !/^multipart\//i.test(req.headers['content-type'] ?? '') && !rawBody(req),
    }),
  );

  const loom = express.Router();
  loom.use(loomRunRoutes(context), loomFileRoutes(context));
  loom.get('/schema', (_req, res) => void res.json(openApiDocument(versions().loom)));
  app.use('/loom/api', loom);
  const users = comfyUserRoutes(new UserStore(join(dataDir, 'user', 'default')), context.limits.maxBodyBytes);
  for (const prefix of ['/api', '/']) app.use(prefix, comfyPromptRoutes(context), comfyInfoRoutes(context), comfyFileRoutes(context), users);
  app.use(editorRoutes(options.editorDir ?? DEFAULT_EDITOR_DIR));
  app.use(notFound);
  app.use(errorHandler(log));

  const http = createHttpServer(app);
  // Bounded request lifetimes: slow-loris clients cannot hold sockets forever.
  http.headersTimeout = 20_000;
  http.requestTimeout = 120_000;
  const hub = new WsHub(queue, {
    maxUploadBytes: context.limits.maxUploadBytes,
    log,
    ...(options.heartbeatMs !== undefined && { heartbeatMs: options.heartbeatMs }),
    ...(options.wsLimits && { limits: options.wsLimits }),
  });
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const protocol = url.pathname === '/ws' || url.pathname === '/api/ws' ? 'comfy' : url.pathname === '/loom/ws' ? 'loom' : null;
    const verdict = checkRequest(req, url.searchParams, policy);
    if (protocol === null || !verdict.ok) {
      const [status, text] =
        protocol === null ? [404, 'Not Found'] : verdict.ok ? [500, 'Error'] : [verdict.status, verdict.status === 401 ? 'Unauthorized' : 'Forbidden'];
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ error: { type: verdict.ok ? 'not_found' : verdict.type, message: verdict.ok ? 'No WebSocket endpoint here; use /ws or /loom/ws.' : verdict.message } })}`,
      );
      return;
    }
    hub.handleUpgrade(req, socket, head, protocol, url.searchParams);
  });
  http.on('clientError', (_err, socket) => {
    if (socket.writable)
      socket.end(
        'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":{"type":"bad_request","message":"Malformed HTTP request."}}',
      );
  });

  await queue.start();

  return {
    app,
    http,
    context,
    hub,
    listen(port, bindHost = '127.0.0.1') {
      if (!isLoopbackHost(bindHost) && options.token === undefined) {
        return Promise.reject(
          new Error(
            `Refusing to listen on ${bindHost} without a token: anyone on the network could run prompts and read files. Pass --token (or LOOM_TOKEN), or bind 127.0.0.1.`,
          ),
        );
      }
      return new Promise((resolveListen, reject) => {
        http.once('error', reject);
        http.listen(port, bindHost, () => {
          http.off('error', reject);
          policy.hosts.allowBound(bindHost);
          const actual = (http.address() as AddressInfo).port;
          const shown = bindHost.includes(':') ? `[${bindHost}]` : bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost;
          resolveListen({ url: `http://${shown}:${actual}`, port: actual });
        });
      });
    },
    async close() {
      await hub.close();
      await queue.close();
      http.closeAllConnections();
      await new Promise<void>((done) => http.close(() => done()));
    },
  };
}
