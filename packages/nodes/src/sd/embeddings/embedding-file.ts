/**
 * Reading a textual-inversion embedding file, whatever tool wrote it, through Loom's weight readers
 * (safetensors, or the restricted pickle reader that never executes anything):
 * - A1111 `.pt`: `{string_to_param: {"*": [n, w]}, name, step, …}` (modules/textual_inversion/textual_inversion.py
 *   `Embedding.save`; the pickle reader unwraps `string_to_param`, so the vectors arrive as tensor `*`);
 * - A1111 `.safetensors`: `{emb_params: [n, w]}`;
 * - diffusers `learned_embeds.bin` / `.safetensors`: `{"<token>": [w] or [n, w]}` (examples/textual_inversion
 *   `save_progress`), one tensor under any name;
 * - SDXL: `{clip_l: [n, 768], clip_g: [n, 1280]}` — clip_l feeds text_encoder, clip_g text_encoder_2.
 * The name a prompt uses is the file name, as in A1111 and ComfyUI; metadata like `name` and `step` is not
 * needed. Anything else is BAD_FILE naming the file and the tensors found.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { LoomError } from '@loom/engine';
import { openWeightFile } from '../../weights/open-weight-file.ts';
import type { WeightSource } from '../../weights/weight-source.ts';

/** n vectors of `width` floats, row-major. */
export interface EmbeddingVectors {
  readonly rows: number;
  readonly width: number;
  readonly data: Float32Array;
}

/** Which text encoder a part of an embedding belongs to: `single` fits any one-encoder model. */
export type EmbeddingPart = 'single' | 'clip_l' | 'clip_g';

/** A loaded embedding file. */
export interface EmbeddingFile {
  /** Absolute path. */
  readonly path: string;
  /** A1111's short hash: the first 12 hex digits of the file's sha256 (modules/hashes.py `sha256`, `Embedding.shorthash`). */
  readonly shortHash: string;
  /** The vectors per encoder part: `single`, or `clip_l` + `clip_g` for SDXL files. */
  readonly parts: ReadonlyMap<EmbeddingPart, EmbeddingVectors>;
  /** Vector count: the token slots the embedding fills in a prompt (every part has the same). */
  readonly rows: number;
}

async function readVectors(source: WeightSource, name: string): Promise<EmbeddingVectors> {
  const shape = source.info(name)?.shape ?? [];
  // diffusers saves one vector as [w]; A1111 files are [n, w]; a stray leading 1 ([1, n, w]) is tolerated
  const dims = shape.length === 1 ? [1, shape[0]!] : shape.length === 3 && shape[0] === 1 ? shape.slice(1) : shape;
  if (dims.length !== 2 || dims[0]! < 1 || dims[1]! < 1) {
    throw new LoomError('BAD_FILE', `${source.origin}: tensor "${name}" has shape [${shape.join(', ')}]; an embedding is [vectors, width].`);
  }
  return { rows: dims[0]!, width: dims[1]!, data: await source.readFloat32(name) };
}

/** The tensor names of each part, by the layouts in the module doc. */
function layout(names: readonly string[], path: string): Array<[EmbeddingPart, string]> {
  if (names.includes('clip_l') || names.includes('clip_g')) {
    if (!names.includes('clip_l') || !names.includes('clip_g'))
      throw new LoomError('BAD_FILE', `${path}: an SDXL embedding needs both clip_l and clip_g; found ${names.join(', ')}.`);
    return [
      ['clip_l', 'clip_l'],
      ['clip_g', 'clip_g'],
    ];
  }
  for (const key of ['emb_params', '*']) if (names.includes(key)) return [['single', key]];
  if (names.length === 1) return [['single', names[0]!]];
  throw new LoomError(
    'BAD_FILE',
    `${path} is not a textual-inversion embedding Loom knows (A1111 string_to_param or emb_params, a diffusers learned_embeds with one token, or SDXL clip_l + clip_g); it holds ${names.length} tensors: ${names.slice(0, 8).join(', ')}.`,
  );
}

/** sha256 of the whole file, as hex. */
async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads an embedding file (see module doc); hostile pickles and unknown layouts are BAD_FILE naming it. */
export async function readEmbeddingFile(path: string): Promise<EmbeddingFile> {
  const source = await openWeightFile(path);
  try {
    const parts = new Map<EmbeddingPart, EmbeddingVectors>();
    for (const [part, name] of layout(source.names(), path)) parts.set(part, await readVectors(source, name));
    const counts = new Set([...parts.values()].map((v) => v.rows));
    if (counts.size !== 1) throw new LoomError('BAD_FILE', `${path}: clip_l and clip_g hold different vector counts (${[...counts].join(' and ')}).`);
    return { path, shortHash: (await fileSha256(path)).slice(0, 12), parts, rows: [...counts][0]! };
  } finally {
    await source.close();
  }
}
