/**
 * `models/embeddings/`: which files exist and which file a prompt's name means, the way each tool looks:
 * - ComfyUI (`embedding:Name`, comfy/sd1_clip.py `load_embed`): the name is a path relative to the folder or
 *   any of its subfolders, taken as is if such a file exists, else with `.safetensors`, `.pt`, `.bin` appended
 *   (in that order); the file system decides case (case-sensitive on Linux). A path that leaves the folder is
 *   never looked up.
 * - A1111 (a bare word): every file's stem is an embedding name (modules/textual_inversion/textual_inversion.py
 *   `EmbeddingDatabase.load_from_dir` walks subfolders); prompt words match it by tokens, see a1111-match.ts.
 * - ComfyUI's `/embeddings` lists every weight file's relative path without its extension.
 */
import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { isRelativeName, listFiles, resolveInside } from '../../model-files.ts';
import { WEIGHT_EXTENSIONS } from '../../weights/open-weight-file.ts';

/** What ComfyUI appends to a name that is not a file itself. */
const COMFY_EXTENSIONS = ['.safetensors', '.pt', '.bin'] as const;
/** The files A1111 registers as embeddings (besides images with embedded data, which Loom does not read). */
const A1111_EXTENSIONS = ['.safetensors', '.pt', '.bin'] as const;

const stripExtension = (name: string): string => name.slice(0, name.length - posix.extname(name).length);

/** Every embedding file's relative path without extension, as ComfyUI's `/embeddings` answers. */
export async function listEmbeddingNames(dir: string): Promise<string[]> {
  return [...new Set((await listFiles(dir, WEIGHT_EXTENSIONS)).map(stripExtension))];
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** The file ComfyUI's `embedding:name` means, or undefined when there is none (see module doc). */
export async function findComfyEmbedding(dir: string, name: string): Promise<string | undefined> {
  if (!isRelativeName(name)) return undefined;
  const subfolders = [...new Set((await listFiles(dir, WEIGHT_EXTENSIONS)).map((f) => posix.dirname(f)))].filter((d) => d !== '.');
  for (const folder of ['', ...subfolders.sort()]) {
    const base = await resolveInside(dir, folder === '' ? name : `${folder}/${name}`, 'Embedding').catch(() => undefined);
    if (!base) continue;
    if (await isFile(base)) return base;
    for (const ext of COMFY_EXTENSIONS) if (await isFile(base + ext)) return base + ext;
  }
  return undefined;
}

/** A1111's embedding names (file stems) and their files; the first file in sorted order wins a shared stem. */
export async function a1111EmbeddingFiles(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const file of await listFiles(dir, A1111_EXTENSIONS)) {
    const stem = stripExtension(posix.basename(file));
    if (!out.has(stem)) out.set(stem, join(dir, file));
  }
  return out;
}

/** `name:size:mtime` of every embedding file, so encodings and node outputs notice added or changed files. */
export async function embeddingFolderStamp(dir: string): Promise<string> {
  const files = await listFiles(dir, WEIGHT_EXTENSIONS);
  const stamps = await Promise.all(
    files.map(async (f) => {
      const info = await stat(join(dir, f)).catch(() => undefined);
      return `${f}:${info?.size}:${info?.mtimeMs}`;
    }),
  );
  return stamps.join('|');
}
