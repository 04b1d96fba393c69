/**
 * The built-model cache: a checkpoint (single file or diffusers folder) becomes an ONNX pipeline
 * folder under `<cacheRoot>/built/<content hash>-<builder version>/`, built once with progress and
 * opened directly on every later load. The key is the sha256 of the input files' contents (not their
 * paths or dates), so a moved or re-downloaded identical file reuses its build and a changed one
 * rebuilds; `BUILDER_VERSION` invalidates builds when the builder changes.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { BUILDER_VERSION, buildPipelineOnnx } from '../../builder/index.ts';
import type { ModelComponents } from '../components.ts';
import { loadDiffusersFolder } from '../diffusers-folder.ts';
import { loadSingleFile } from '../ldm/single-file.ts';
import { HashMemo } from './content-hash.ts';
import { checkTokenizersFit, tokenizersBeside, writePipelineFiles, type TokenizerSources } from './pipeline-files.ts';

/** A checkpoint to build: one weight file, or a diffusers folder. */
export type CheckpointSource = { readonly kind: 'single-file' | 'diffusers'; readonly path: string };

export interface EnsureBuiltOptions {
  /** Root of Loom's caches (`<models>/.loom` or the configured cache dir). */
  readonly cacheRoot: string;
  /** Progress of hashing (first tenth) and building, as value / max. */
  readonly progress?: (value: number, max: number) => void;
  readonly signal?: AbortSignal;
  /** The builder; the real one unless a test injects another. */
  readonly build?: typeof buildPipelineOnnx;
  readonly builderVersion?: string;
}

const PROGRESS_MAX = 1000;
const HASH_SHARE = 100;
const Done = z.object({ builderVersion: z.string(), key: z.string() });

/** The folder of the built pipeline for `source`, building it first when the cache lacks it. */
export async function ensureBuiltPipeline(source: CheckpointSource, options: EnsureBuiltOptions): Promise<string> {
  const version = options.builderVersion ?? BUILDER_VERSION;
  // headers and pickles first (milliseconds): a hostile or damaged file is refused before gigabytes are hashed
  const components = source.kind === 'single-file' ? await loadSingleFile(source.path) : await loadDiffusersFolder(source.path);
  let tmp: string | undefined;
  try {
    const key = await contentKey(source, options, version);
    const dir = join(options.cacheRoot, 'built', `${key.slice(0, 24)}-${version}`);
    if (await isComplete(dir, key)) return dir;
    tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    const tokenizers = await tokenizersOf(source);
    checkTokenizersFit(components, tokenizers);
    await mkdir(tmp, { recursive: true });
    await (options.build ?? buildPipelineOnnx)(components, {
      outDir: tmp,
      progress: (done, total) => options.progress?.(HASH_SHARE + Math.round(((PROGRESS_MAX - HASH_SHARE) * done) / Math.max(total, 1)), PROGRESS_MAX),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await writePipelineFiles(tmp, components, tokenizers, await forceZeros(source));
    await writeFile(join(tmp, 'loom-build.json'), `${JSON.stringify({ builderVersion: version, key, source: source.path, kind: components.kind }, null, 2)}\n`);
    // another process (a server worker) may have finished the same build meanwhile: keep theirs, it may be in use
    if (!(await isComplete(dir, key))) {
      await rm(dir, { recursive: true, force: true }); // a foreign or damaged folder under our name
      await rename(tmp, dir).catch(async (err: unknown) => {
        if (!(await isComplete(dir, key))) throw err;
      });
    }
    options.progress?.(PROGRESS_MAX, PROGRESS_MAX);
    return dir;
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    await closeAll(components);
  }
}

async function contentKey(source: CheckpointSource, options: EnsureBuiltOptions, version: string): Promise<string> {
  const files = await inputFiles(source);
  const memo = await HashMemo.open(join(options.cacheRoot, 'hashes.json'));
  const lines: string[] = [];
  for (const [name, path] of files) {
    const sha = await memo.hash(path, (done, total) => options.progress?.(Math.round((HASH_SHARE * done) / Math.max(total, 1)), PROGRESS_MAX), options.signal);
    lines.push(`${name} ${sha}`);
  }
  await memo.save();
  return createHash('sha256')
    .update(`loom-built ${version}\n${lines.sort().join('\n')}`)
    .digest('hex');
}

/** [name in the key, path]: a single file's companions are named after it, so renaming the set changes nothing. */
async function inputFiles(source: CheckpointSource): Promise<[string, string][]> {
  if (source.kind === 'diffusers') return (await walk(source.path)).map((p) => [relative(source.path, p), p]);
  const stem = source.path.replace(/\.[^./\\]+$/, '');
  const files: [string, string][] = [['checkpoint', source.path]];
  if (await exists(`${stem}.yaml`)) files.push(['checkpoint.yaml', `${stem}.yaml`]);
  for (const suffix of ['tokenizer', 'tokenizer_2']) {
    const dir = `${stem}.${suffix}`;
    if (await exists(dir)) for (const p of await walk(dir)) files.push([`checkpoint.${suffix}/${relative(dir, p)}`, p]);
  }
  return files;
}

async function tokenizersOf(source: CheckpointSource): Promise<TokenizerSources> {
  if (source.kind === 'single-file') return tokenizersBeside(source.path);
  const has = async (d: string): Promise<string | undefined> => ((await exists(join(source.path, d))) ? join(source.path, d) : undefined);
  const [tokenizer, tokenizer2] = [await has('tokenizer'), await has('tokenizer_2')];
  return { origin: source.path, ...(tokenizer && { tokenizer }), ...(tokenizer2 && { tokenizer2 }) };
}

async function forceZeros(source: CheckpointSource): Promise<boolean | undefined> {
  if (source.kind !== 'diffusers') return undefined;
  const index = z
    .looseObject({ force_zeros_for_empty_prompt: z.boolean().optional() })
    .safeParse(JSON.parse(await readFile(join(source.path, 'model_index.json'), 'utf8')));
  return index.success ? index.data.force_zeros_for_empty_prompt : undefined;
}

/** True when `dir` holds a finished build for `key` (its loom-build.json is written last). */
export async function isComplete(dir: string, key: string): Promise<boolean> {
  try {
    const done = Done.safeParse(JSON.parse(await readFile(join(dir, 'loom-build.json'), 'utf8')));
    return done.success && done.data.key === key;
  } catch {
    return false; // absent, or a build that never finished
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

async function closeAll(c: ModelComponents): Promise<void> {
  await Promise.all([c.unet, c.vae, c.textEncoder, c.textEncoder2].map((x) => x?.weights.close()));
}

/** Where built models are cached: the configured folder, else `.loom/` in the models folder. */
export function cacheRootFor(modelsDir: string, builtCacheDir?: string): string {
  return builtCacheDir || join(modelsDir, '.loom');
}
