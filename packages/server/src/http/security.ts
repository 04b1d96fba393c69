/**
 * Safe by default: loopback binding unless a token is configured; with a token, every HTTP request and
 * WebSocket upgrade must carry it (`Authorization: Bearer`, `?token=`, or the cookie set when a page was
 * opened with `?token=`). A `Host` allow-list stops DNS rebinding; an Origin check (same origin only,
 * `Origin: null` refused) stops cross-site pages, sandboxed iframes and `text/plain` form posts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { HostAllowList } from './host-allow-list.ts';
import { sendError } from './http-error.ts';

const COOKIE = 'loom_token';

function sameSecret(given: string, expected: string): boolean {
  // Hashing first makes the comparison constant-time regardless of length.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/** The token a request presents, wherever it put it. */
function presentedToken(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  return query.get('token') ?? cookieToken(req);
}

export type Verdict = { ok: true } | { ok: false; status: number; type: string; message: string };

/** What a request must satisfy: a known `Host`, and the token when one is configured. */
export interface SecurityPolicy {
  hosts: HostAllowList;
  token: string | undefined;
}

/** Checks the Host, the Origin (same-origin only) and, when configured, the token. Used for HTTP and WS alike. */
export function checkRequest(req: IncomingMessage, query: URLSearchParams, policy: SecurityPolicy): Verdict {
  const host = req.headers.host;
  if (!policy.hosts.allows(host)) {
    return {
      ok: false,
      status: 403,
      type: 'forbidden_host',
      message: `Host "${host ?? ''}" is not a name of this server. Open it as http://127.0.0.1 or http://localhost, or start it with --allowed-host <name>.`,
    };
  }
  const origin = req.headers.origin;
  if (origin === 'null') {
    // An opaque origin: a sandboxed iframe, a data: URL or a file:// page on any site.
    return {
      ok: false,
      status: 403,
      type: 'forbidden_origin',
      message: 'Requests with "Origin: null" (sandboxed frames, data: and file: pages) are refused; open the editor from this server.',
    };
  }
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return { ok: false, status: 403, type: 'forbidden_origin', message: `Malformed Origin header "${origin}".` };
    }
    if (originHost !== host?.toLowerCase()) {
      return {
        ok: false,
        status: 403,
        type: 'forbidden_origin',
        message: `Cross-origin request from ${origin} refused; the server only accepts its own origin (${host}).`,
      };
    }
  }
  if (policy.token !== undefined) {
    const given = presentedToken(req, query);
    if (given === undefined || !sameSecret(given, policy.token)) {
      return {
        ok: false,
        status: 401,
        type: 'unauthorized',
        message: 'This server requires a token: send "Authorization: Bearer <token>" or add ?token=<token>.',
      };
    }
  }
  return { ok: true };
}

/** Express middleware for {@link checkRequest}; a valid `?token=` also sets a cookie for the editor's assets. */
export function securityMiddleware(policy: SecurityPolicy): RequestHandler {
  const { token } = policy;
  return (req, res, next) => {
    const query = new URL(req.originalUrl, 'http://x').searchParams;
    const verdict = checkRequest(req, query, policy);
    if (!verdict.ok) {
      if (verdict.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, verdict.status, verdict.type, verdict.message);
    }
    if (token !== undefined && query.get('token') !== null && cookieToken(req) === undefined) {
      res.setHeader('Set-Cookie', `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    next();
  };
}
