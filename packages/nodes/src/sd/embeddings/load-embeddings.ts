/**
 * The embeddings a prompt names, loaded before it is tokenised (files are read asynchronously, tokenising is
 * not): ComfyUI's `embedding:Name` words (comfy-prompt/tokenize.ts) and A1111's bare words (a1111-match.ts).
 * Files are read once per content (path, size, mtime) and kept in the object cache.
 */
import { join } from 'node:path';
import type { NodeContext } from '@loom/engine';
import type { ClipHandle } from '../../ports.ts';
import type { NodePackConfig } from '../../pack-config.ts';
import { fileStamp, MODEL_FOLDERS } from '../../model-files.ts';
import type { ChunkTokenizer, EmbeddingMatcher } from '../prompt/index.ts';
import { embeddingWords } from '../comfy-prompt/tokenize.ts';
import { A1111Names } from './a1111-match.ts';
import { readEmbeddingFile, type EmbeddingFile } from './embedding-file.ts';
import { a1111EmbeddingFiles, findComfyEmbedding } from './embedding-folder.ts';
import { PromptEmbeddings } from './prompt-embeddings.ts';

/** `models/embeddings` of a node pack. */
export const embeddingsDir = (config: NodePackConfig): string => join(config.modelsDir, MODEL_FOLDERS.embeddings);

async function loadFile(path: string, ctx: NodeContext): Promise<EmbeddingFile> {
  return ctx.objects.getOrCreate(`embedding-file|${path}|${await fileStamp(path)}`, async () => {
    const value = await readEmbeddingFile(path);
    return { value, bytes: [...value.parts.values()].reduce((n, v) => n + v.data.byteLength, 0) + 1024 };
  });
}

async function loadAll(paths: ReadonlyMap<string, string>, ctx: NodeContext): Promise<Map<string, EmbeddingFile>> {
  return new Map(await Promise.all([...paths].map(async ([name, path]): Promise<[string, EmbeddingFile]> => [name, await loadFile(path, ctx)])));
}

/** The files of a ComfyUI prompt's `embedding:` words that exist (missing ones are reported while tokenising). */
export async function comfyPromptEmbeddings(clip: ClipHandle, text: string, config: NodePackConfig, ctx: NodeContext): Promise<PromptEmbeddings | undefined> {
  const dir = embeddingsDir(config);
  const paths = new Map<string, string>();
  for (const name of embeddingWords(text)) {
    const path = await findComfyEmbedding(dir, name);
    if (path) paths.set(name, path);
  }
  return paths.size === 0 ? undefined : new PromptEmbeddings(await loadAll(paths, ctx), clip, config, ctx);
}

/** The embeddings an A1111 prompt names with bare words, and the chunker's matcher; undefined when it names none. */
export async function a1111PromptEmbeddings(
  clip: ClipHandle,
  text: string,
  tokenizer: ChunkTokenizer,
  config: NodePackConfig,
  ctx: NodeContext,
): Promise<{ embeddings: PromptEmbeddings; matcher: EmbeddingMatcher } | undefined> {
  const files = await a1111EmbeddingFiles(embeddingsDir(config));
  if (files.size === 0) return undefined;
  const names = new A1111Names(files.keys(), tokenizer);
  const used = names.used(text, tokenizer);
  if (used.length === 0) return undefined;
  const loaded = await loadAll(new Map(used.map((n) => [n, files.get(n)!])), ctx);
  const embeddings = new PromptEmbeddings(loaded, clip, config, ctx);
  return { embeddings, matcher: names.matcher(embeddings.rows()) };
}
