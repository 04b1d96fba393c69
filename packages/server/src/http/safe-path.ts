/**
 * File access confined to a root folder (output, input, temp, models). Rejects `..`, absolute paths and
 * NUL bytes by name, then resolves symlinks with realpath and re-checks containment, so a link inside
 * the root that points elsewhere is refused too. URL decoding happens before this (express decodes the
 * query), so `%2e%2e` arrives here as `..`.
 */
import { mkdir, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { HttpError } from './http-error.ts';

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function checkName(value: string, what: string): void {
  if (value.includes('\0')) throw new HttpError(400, 'invalid_path', `The ${what} contains a NUL byte.`);
  if (isAbsolute(value) || /^[A-Za-z]:/.test(value) || value.startsWith('\\')) {
    throw new HttpError(400, 'invalid_path', `The ${what} must be relative, not an absolute path.`);
  }
  if (value.split(/[\\/]/).includes('..')) throw new HttpError(400, 'invalid_path', `The ${what} must not contain "..".`);
}

/** Validates a subfolder and returns the absolute folder inside `root` (not yet symlink-checked). */
export function folderInside(root: string, subfolder: string): string {
  checkName(subfolder, 'subfolder');
  const folder = resolve(root, subfolder);
  if (!inside(resolve(root), folder)) throw new HttpError(403, 'forbidden_path', 'The subfolder is outside the allowed folder.');
  return folder;
}

/** An existing regular file inside `root`, symlinks resolved. 400 bad name, 403 escape, 404 missing. */
export async function existingFileInside(root: string, subfolder: string, filename: string): Promise<string> {
  if (filename === '') throw new HttpError(400, 'invalid_path', 'A filename is required.');
  checkName(filename, 'filename');
  const folder = folderInside(root, subfolder);
  const path = resolve(folder, basename(filename));
  let real: string;
  let realRoot: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(path);
  } catch {
    throw new HttpError(404, 'not_found', `No file "${filename}"${subfolder ? ` in "${subfolder}"` : ''}.`);
  }
  if (!inside(realRoot, real)) throw new HttpError(403, 'forbidden_path', 'The file resolves outside the allowed folder (a symlink points out).');
  const info = await stat(real);
  if (!info.isFile()) throw new HttpError(404, 'not_found', `"${filename}" is not a file.`);
  return real;
}

/** A folder inside `root` to write into, created if needed, symlinks resolved and checked. */
export async function writableFolderInside(root: string, subfolder: string): Promise<string> {
  const folder = folderInside(root, subfolder);
  await mkdir(folder, { recursive: true });
  const [realRoot, real] = await Promise.all([realpath(root), realpath(folder)]);
  if (!inside(realRoot, real)) throw new HttpError(403, 'forbidden_path', 'The subfolder resolves outside the allowed folder (a symlink points out).');
  return real;
}

/** A plain file name for writing: no folders, no dot-only names, no control characters. */
export function safeFileName(name: string): string {
  checkName(name, 'file name');
  const base = basename(name.replaceAll('\\', '/'));
  // eslint-disable-next-line no-control-regex -- control characters are what this check refuses
  if (base === '' || base === '.' || base === '..' || base.startsWith('.') || /[\0-\x1f]/.test(base) || base.length > 255) {
    throw new HttpError(400, 'invalid_filename', `"${name}" is not an acceptable file name.`);
  }
  return base;
}
