/**
 * A local stand-in for the Hugging Face Hub, on 127.0.0.1, shaped like the real routes that
 * @huggingface/hub and `loom pull` use:
 * - `GET /api/models/{owner}/{name}/tree/{rev}?recursive=true&expand=false`: a JSON array of
 *   `{ type, oid, size, path, lfs?: { oid, size, pointerSize } }` (directories have `size: 0`), paged
 *   with `Link: <…&cursor=…>; rel="next"`.
 * - `GET /{owner}/{name}/resolve/{rev}/{path}`: small git files straight from the hub (ETag = git blob
 *   oid), LFS files as a 302 to a second "CDN" host with `X-Repo-Commit`, `X-Linked-Etag` (the sha256)
 *   and `X-Linked-Size`, as the hub does.
 * - Errors as the hub sends them: JSON `{ "error": … }` with `X-Error-Code` (RepoNotFound,
 *   EntryNotFound, GatedRepo), 401 for a private repo without a valid token.
 * The CDN answers `Range` with 206, refuses requests carrying `Authorization` (signed URLs do), and can
 * cut a connection mid-file or serve corrupted bytes, to test resume and checksums.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockRepo {
  files: Record<string, Buffer>;
  /** Requests need `Authorization: Bearer <token>`. */
  token?: string;
}

export interface MockHub {
  endpoint: string;
  cdn: string;
  /** Every request both hosts saw: method, host ("hub" | "cdn"), url, range header, auth header. */
  log: Array<{ host: 'hub' | 'cdn'; url: string; range?: string; auth?: string }>;
  /** Cut the connection after this many bytes of the file with this sha256, `times` times. */
  cut(sha256: string, afterBytes: number, times: number): void;
  /** Serve corrupted bytes for the file with this sha256. */
  corrupt(sha256: string): void;
  /** Answer every request for the file with this sha256 with 200 and the whole file, ignoring Range. */
  ignoreRange(sha256: string): void;
  close(): Promise<void>;
}

const COMMIT = 'a'.repeat(40);
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const gitOid = (data: Buffer): string => createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
/** The hub stores binary weights in LFS; configs and vocabularies in git. */
const isLfs = (path: string): boolean => /\.(safetensors|onnx|bin|ckpt|pt|pth|msgpack|h5|png)$/.test(path);

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** 200 or 206 by the Range header, as S3/CloudFront and the hub do; `cutAt` ends the socket early. */
function sendBytes(req: IncomingMessage, res: ServerResponse, data: Buffer, headers: Record<string, string>, cutAt?: number, honourRange = true): void {
  const range = honourRange ? /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '') : null;
  let start = 0;
  let end = data.length - 1;
  if (range) {
    start = Number(range[1]);
    end = range[2] ? Math.min(Number(range[2]), end) : end;
    if (start > end) {
      res.writeHead(416, { 'Content-Range': `bytes */${data.length}` });
      res.end();
      return;
    }
  }
  // A cut at or before the first byte asked for: the connection drops before any answer.
  if (cutAt !== undefined && cutAt <= start) return void res.destroy();
  const body = data.subarray(start, end + 1);
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'Accept-Ranges': 'bytes',
    'Content-Length': String(body.length),
    ...(range && { 'Content-Range': `bytes ${start}-${end}/${data.length}` }),
  });
  if (cutAt !== undefined && cutAt > start && cutAt < end + 1) {
    res.write(body.subarray(0, cutAt - start), () => res.destroy());
    return;
  }
  res.end(body);
}

const listen = (server: Server): Promise<string> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

/** Starts the hub and its CDN; `pageSize` small makes the tree listing page. */
export async function startMockHub(repos: Record<string, MockRepo>, pageSize = 1000): Promise<MockHub> {
  const blobs = new Map<string, Buffer>();
  const cuts = new Map<string, { at: number; times: number }>();
  const corrupted = new Set<string>();
  const rangeless = new Set<string>();
  for (const repo of Object.values(repos)) for (const data of Object.values(repo.files)) blobs.set(sha256(data), data);
  const log: MockHub['log'] = [];
  let cdnUrl = '';

  const cdn = createServer((req, res) => {
    log.push({
      host: 'cdn',
      url: req.url ?? '',
      ...(req.headers.range && { range: req.headers.range }),
      ...(req.headers.authorization && { auth: req.headers.authorization }),
    });
    if (req.headers.authorization)
      return sendJson(res, 400, { error: 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter is supported' });
    const match = /^\/(?:repos\/[^/]+\/)?([0-9a-f]{64})(\/[^/?]+)?(\?|$)/.exec(req.url ?? '');
    let data = match ? blobs.get(match[1] ?? '') : undefined;
    if (!match || !data) return sendJson(res, 404, { error: 'NoSuchKey' });
    const hash = match[1] ?? '';
    if (corrupted.has(hash)) data = Buffer.from(data.map((b, i) => (i === data!.length >> 1 ? b ^ 0xff : b)));
    const cut = cuts.get(hash);
    const cutAt = cut && cut.times > 0 ? cut.at : undefined;
    if (cut) cut.times--;
    sendBytes(req, res, data, { 'Content-Type': 'binary/octet-stream', ETag: `"${hash}"` }, cutAt, !rangeless.has(hash));
  });

  const hub = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    log.push({
      host: 'hub',
      url: req.url ?? '',
      ...(req.headers.range && { range: req.headers.range }),
      ...(req.headers.authorization && { auth: req.headers.authorization }),
    });
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const name = (tree ?? resolve)?.[1] ?? '';
    const repo = repos[name];
    if (!tree && !resolve) return sendJson(res, 404, { error: 'Not Found' });
    if (!repo) return sendJson(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
    if (repo.token !== undefined && req.headers.authorization !== `Bearer ${repo.token}`) {
      return sendJson(res, 401, { error: 'Invalid credentials in Authorization header' }, { 'X-Error-Code': 'GatedRepo' });
    }
    if (tree) {
      const paths = Object.keys(repo.files).sort();
      const dirs = [
        ...new Set(
          paths.flatMap((p) =>
            p
              .split('/')
              .slice(0, -1)
              .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
          ),
        ),
      ].sort();
      const entries = [
        ...dirs.map((path) => ({ type: 'directory', oid: gitOid(Buffer.from(path)), size: 0, path })),
        ...paths.map((path) => {
          const data = repo.files[path] ?? Buffer.alloc(0);
          return {
            type: 'file',
            oid: gitOid(data),
            size: data.length,
            path,
            ...(isLfs(path) && { lfs: { oid: sha256(data), size: data.length, pointerSize: 134 } }),
          };
        }),
      ];
      const cursor = Number(url.searchParams.get('cursor') ?? '0');
      const page = entries.slice(cursor, cursor + pageSize);
      const next =
        cursor + pageSize < entries.length ? `<${hubUrl}${url.pathname}?recursive=true&expand=false&cursor=${cursor + pageSize}>; rel="next"` : undefined;
      return sendJson(res, 200, page, next ? { Link: next } : {});
    }
    const path = decodeURIComponent(resolve?.[3] ?? '');
    const data = repo.files[path];
    if (!data) return sendJson(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
    if (isLfs(path)) {
      const hash = sha256(data);
      res.writeHead(302, {
        Location: `${cdnUrl}/repos/${name.replace('/', '-')}/${hash}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=mock`,
        'X-Repo-Commit': COMMIT,
        'X-Linked-Etag': `"${hash}"`,
        'X-Linked-Size': String(data.length),
        ETag: `"${gitOid(data)}"`,
      });
      return void res.end();
    }
    sendBytes(req, res, data, { 'Content-Type': 'text/plain; charset=utf-8', ETag: `"${gitOid(data)}"`, 'X-Repo-Commit': COMMIT });
  });

  const hubUrl = await listen(hub);
  cdnUrl = await listen(cdn);
  return {
    endpoint: hubUrl,
    cdn: cdnUrl,
    log,
    cut(hash, afterBytes, times) {
      cuts.set(hash, { at: afterBytes, times });
    },
    corrupt(hash) {
      corrupted.add(hash);
    },
    ignoreRange(hash) {
      rangeless.add(hash);
    },
    close: () =>
      Promise.all(
        [hub, cdn].map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      ).then(() => undefined),
  };
}
