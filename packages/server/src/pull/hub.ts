/**
 * The Hugging Face Hub side of `loom pull`: the repository listing through @huggingface/hub's
 * `listFiles` (the `/api/models/{repo}/tree/{rev}?recursive=true` route, following its `Link: rel="next"`
 * pages, with each file's LFS sha256 and size), file URLs on the `/{repo}/resolve/{rev}/{path}` route
 * (which redirects LFS files to a CDN host), and a safetensors header read with two Range requests.
 *
 * Why @huggingface/hub: it is the hub's own, maintained JS client, so the listing's paging, auth and
 * error bodies follow the hub as it changes. The token goes in through its `fetch` seam rather than its
 * `accessToken` option, which rejects tokens not starting with `hf_` (mirrors issue their own).
 */
import { HubApiError, listFiles } from '@huggingface/hub';
import { LoomError } from '@loom/engine';
import type { RepoFile } from './select-files.ts';

export interface HubOptions {
  endpoint: string;
  revision: string;
  token?: string;
}

const authFetch =
  (token: string | undefined): typeof fetch =>
  (input, init) =>
    fetch(
      input,
      token === undefined ? init : { ...init, headers: { ...(init?.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` } },
    );

/** What a failed hub call means to the user: 401/403 → the token, 404 → the name. */
function hubError(err: unknown, what: string, options: HubOptions): LoomError {
  if (err instanceof HubApiError) {
    if (err.statusCode === 401 || err.statusCode === 403) {
      const hint =
        options.token === undefined
          ? 'if it is private or gated, set HF_TOKEN to a token with read access (and accept its terms on the hub)'
          : "the token in HF_TOKEN was refused for it: check the token and that you accepted the repository's terms";
      return new LoomError(
        'DOWNLOAD_FAILED',
        `${what}: access denied (HTTP ${err.statusCode}) by ${options.endpoint}; ${hint}. The hub also answers 401 for a repository that does not exist: check the name.`,
        { cause: err },
      );
    }
    if (err.statusCode === 404)
      return new LoomError(
        'MODEL_NOT_FOUND',
        `${what}: not found on ${options.endpoint} (HTTP 404): check the owner/name and --revision "${options.revision}".`,
        { cause: err },
      );
    return new LoomError('DOWNLOAD_FAILED', `${what}: ${options.endpoint} answered HTTP ${err.statusCode}: ${err.message}`, { cause: err });
  }
  return new LoomError(
    'DOWNLOAD_FAILED',
    `${what}: cannot reach ${options.endpoint} (${err instanceof Error ? err.message : String(err)}). Check the network, or --endpoint / HF_ENDPOINT for a mirror.`,
    { cause: err },
  );
}

/** Every file of the repository at the revision, with size and (for LFS files) sha256. */
export async function listRepo(repo: string, options: HubOptions): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  try {
    for await (const entry of listFiles({ repo, recursive: true, revision: options.revision, hubUrl: options.endpoint, fetch: authFetch(options.token) })) {
      if (entry.type !== 'file') continue;
      files.push({ path: entry.path, size: entry.lfs?.size ?? entry.size, ...(entry.lfs && { sha256: entry.lfs.oid }) });
    }
  } catch (err) {
    throw hubError(err, repo, options);
  }
  return files;
}

/** The download URL of a file (the hub redirects LFS files to its CDN). */
export function resolveUrl(repo: string, path: string, options: HubOptions): string {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return `${options.endpoint.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(options.revision)}/${encoded}`;
}

async function fetchRange(url: string, from: number, to: number, token: string | undefined): Promise<Buffer> {
  const response = await fetch(url, { headers: { Range: `bytes=${from}-${to}`, ...(token !== undefined && { Authorization: `Bearer ${token}` }) } });
  if (!response.ok) throw new LoomError('DOWNLOAD_FAILED', `${url}: HTTP ${response.status} while reading the safetensors header.`);
  const bytes = Buffer.from(await response.arrayBuffer());
  // A server without Range support sends the whole file; keep only the asked-for bytes.
  return response.status === 206 ? bytes : bytes.subarray(from, to + 1);
}

/** The tensor names in a remote safetensors file's header (8-byte length, then JSON), or [] if unreadable. */
export async function remoteTensorNames(url: string, token: string | undefined): Promise<string[]> {
  const head = await fetchRange(url, 0, 7, token);
  if (head.length < 8) return [];
  const length = Number(head.readBigUInt64LE(0));
  if (length <= 0 || length > 100_000_000) return [];
  try {
    return Object.keys(JSON.parse((await fetchRange(url, 8, 8 + length - 1, token)).toString('utf8')) as Record<string, unknown>);
  } catch {
    return [];
  }
}
