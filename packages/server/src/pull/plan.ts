/**
 * What `loom pull` will fetch and where each file lands: a hub repo (whole, or one path in it) or a
 * plain URL, its kind (given with `--kind` or detected, see {@link detectKind}), and the destination
 * under the models folder (a pipeline keeps its layout in `models/<name>/`; other kinds go to their
 * ComfyUI folder, flat for one file, in `<name>/` for several).
 */
import { posix, join } from 'node:path';
import { LoomError } from '@loom/engine';
import { KIND_FOLDERS, KINDS, kindFromFileName, kindFromTensorNames, type ModelKind } from './kinds.ts';
import { listRepo, remoteTensorNames, resolveUrl, type HubOptions } from './hub.ts';
import { selectPipelineFiles, selectSingleFiles, type RepoFile, type SelectOptions } from './select-files.ts';

export interface PullRequest extends SelectOptions, HubOptions {
  /** `owner/name` or an http(s) URL. */
  target: string;
  /** One file in the repo. */
  path?: string;
  kind?: ModelKind;
  name?: string;
  modelsDir: string;
  sha256?: string;
}

export interface PlannedFile {
  url: string;
  dest: string;
  /** What the user sees: the repo path or the URL's file name. */
  label: string;
  size?: number;
  sha256?: string;
}

export interface PullPlan {
  kind: ModelKind;
  /** The folder or file the pull fills. */
  destination: string;
  files: PlannedFile[];
}

const MAX_HEADER_PROBES = 8;

/**
 * The kind of a set of weight files: from each safetensors header's tensor names, else the file name.
 * Throws a USAGE error asking for `--kind` when the files say nothing or disagree.
 */
async function detectKind(files: ReadonlyArray<{ label: string; url: string }>, what: string, token: string | undefined): Promise<ModelKind> {
  const found = new Map<string, ModelKind | undefined>();
  for (const file of files.slice(0, MAX_HEADER_PROBES)) {
    const byHeader = file.label.endsWith('.safetensors') ? kindFromTensorNames(await remoteTensorNames(file.url, token)) : undefined;
    found.set(file.label, byHeader ?? kindFromFileName(file.label));
  }
  const kinds = new Set(found.values());
  const [only] = kinds;
  if (kinds.size === 1 && only !== undefined) return only;
  const seen = [...found].map(([label, kind]) => `${label}: ${kind ?? 'unknown'}`).join(', ');
  throw new LoomError('USAGE', `${what}: cannot tell what kind of model this is (${seen}). Say it with --kind ${KINDS.join('|')}.`);
}

const isUrl = (target: string): boolean => /^https?:\/\//i.test(target);

function urlPlan(request: PullRequest): Promise<PullPlan> | PullPlan {
  const url = new URL(request.target);
  const base = decodeURIComponent(posix.basename(url.pathname)) || 'download';
  const make = (kind: ModelKind): PullPlan => {
    const folder = kind === 'pipeline' ? join(request.modelsDir, request.name ?? 'download') : join(request.modelsDir, KIND_FOLDERS[kind], request.name ?? '');
    const dest = join(folder, base);
    return { kind, destination: dest, files: [{ url: url.href, dest, label: base, ...(request.sha256 !== undefined && { sha256: request.sha256 }) }] };
  };
  if (request.kind === 'pipeline') throw new LoomError('USAGE', 'A URL is one file; a pipeline is a folder: pull it by its repository name instead.');
  if (request.kind !== undefined) return make(request.kind);
  return detectKind([{ label: base, url: url.href }], request.target, request.token).then(make);
}

async function repoPlan(request: PullRequest): Promise<PullPlan> {
  const repo = request.target.replace(/^\/+|\/+$/g, '');
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new LoomError('USAGE', `"${request.target}" is neither owner/name (a hub repository) nor an http(s) URL.`);
  const all = await listRepo(repo, request);
  const repoName = repo.split('/')[1] ?? repo;
  const planned = (file: RepoFile, dest: string): PlannedFile => ({
    url: resolveUrl(repo, file.path, request),
    dest,
    label: file.path,
    size: file.size,
    ...(file.sha256 !== undefined && { sha256: file.sha256 }),
  });
  const isPipeline =
    request.path === undefined && (request.kind === 'pipeline' || (request.kind === undefined && all.some((f) => f.path === 'model_index.json')));

  if (isPipeline) {
    const folder = join(request.modelsDir, request.name ?? repoName);
    const files = selectPipelineFiles(all, request);
    if (!files.some((f) => f.path === 'model_index.json'))
      throw new LoomError('USAGE', `${repo} has no model_index.json, so it is no diffusers pipeline: pull one file with a path, or say --kind.`);
    return { kind: 'pipeline', destination: folder, files: files.map((f) => planned(f, join(folder, f.path))) };
  }
  if (request.kind === 'pipeline') throw new LoomError('USAGE', '--kind pipeline pulls a whole repository: leave out the path.');

  let chosen: RepoFile[];
  if (request.path !== undefined) {
    const file = all.find((f) => f.path === request.path);
    if (!file) {
      const weights = selectSingleFiles(all, request).map((f) => f.path);
      throw new LoomError('MODEL_NOT_FOUND', `${repo} has no file "${request.path}"${weights.length > 0 ? `; its weight files: ${weights.join(', ')}` : ''}.`);
    }
    chosen = [file];
  } else {
    // A diffusers repo's root-level files are its single-file checkpoints; the folders are the pipeline.
    const pool = all.some((f) => f.path === 'model_index.json') ? all.filter((f) => !f.path.includes('/')) : all;
    chosen = selectSingleFiles(pool, request);
    if (chosen.length === 0) throw new LoomError('MODEL_NOT_FOUND', `${repo} holds no model weights Loom reads (.safetensors, .pt, .pth, .bin, .ckpt).`);
  }
  const kind =
    request.kind ??
    (await detectKind(
      chosen.map((f) => ({ label: f.path, url: resolveUrl(repo, f.path, request) })),
      repo,
      request.token,
    ));
  const flat = chosen.length === 1 && request.name === undefined;
  const folder = join(request.modelsDir, KIND_FOLDERS[kind], flat ? '' : (request.name ?? repoName));
  const files = chosen.map((f) => planned(f, join(folder, flat ? posix.basename(f.path) : f.path)));
  return { kind, destination: flat ? (files[0]?.dest ?? folder) : folder, files };
}

/** Lists the source and decides what to fetch; throws USAGE / MODEL_NOT_FOUND / DOWNLOAD_FAILED errors. */
export async function planPull(request: PullRequest): Promise<PullPlan> {
  return isUrl(request.target) ? urlPlan(request) : repoPlan(request);
}
