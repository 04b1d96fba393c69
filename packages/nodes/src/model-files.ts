/**
 * Files under the models, input and output folders. Names come from graphs and HTTP requests, so every
 * one is resolved inside its root: no absolute paths, no `..`, no symlink that leads out.
 */
import { existsSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { LoomError } from '@loom/engine';

/** ComfyUI-like subfolders of the models folder; pipelines sit at its top level. */
export const MODEL_FOLDERS = {
  loras: 'loras',
  upscale_models: 'upscale_models',
  safety_checker: 'safety_checker',
  vae: 'vae',
  embeddings: 'embeddings',
} as const;

/** True for a relative name that stays inside its folder by its text alone (symlinks are checked on use). */
export function isRelativeName(name: string): boolean {
  const normalized = name.replaceAll('\\', '/');
  return (
    name !== '' && !isAbsolute(name) && !/^[A-Za-z]:/.test(name) && !normalized.startsWith('/') && !normalized.split('/').includes('..') && !name.includes('\0')
  );
}

/**
 * A parameter schema for a name inside a folder (an output prefix): `..`, absolute paths and NUL bytes
 * fail graph validation, so a bad name is refused before any work starts.
 */
export function relativeName(what: string) {
  return z
    .string()
    .refine(isRelativeName, { error: (issue) => `${what} ${JSON.stringify(issue.input)} must stay inside its folder: no absolute path, drive letter or ".."` });
}

/**
 * For validation (synchronous): true when `name` is a proper relative name with no file under `root`.
 * Names that would leave the folder are not "missing"; resolving them on use refuses them.
 */
export function isMissingSync(root: string, name: string): boolean {
  return isRelativeName(name) && !existsSync(join(root, name));
}

/** Resolves `name` inside `root`, refusing anything that would leave it. The file need not exist yet. */
export async function resolveInside(root: string, name: string, what: string): Promise<string> {
  const normalized = name.replaceAll('\\', '/');
  if (!isRelativeName(name)) {
    throw new LoomError('PARAM_INVALID', `${what} "${name}" must be a name inside ${root} (no absolute paths or "..").`);
  }
  const path = resolve(root, normalized);
  const real = await realpath(path).catch(() => path);
  const realRoot = await realpath(root).catch(() => resolve(root));
  const rel = relative(realRoot, real);
  if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw new LoomError('PARAM_INVALID', `${what} "${name}" points outside ${root}.`);
  }
  return path;
}

/** Files (recursively, relative paths with `/`) in a folder whose names end with one of `extensions`. */
export async function listFiles(root: string, extensions: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (extensions.some((ext) => entry.name.toLowerCase().endsWith(ext))) found.push(relative(root, path).split(sep).join('/'));
    }
  };
  await walk(root);
  return found.sort();
}

/** `size:mtime` of a file, for node fingerprints; a missing file fingerprints as "missing". */
export async function fileStamp(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  return info ? `${info.size}:${info.mtimeMs}` : 'missing';
}
