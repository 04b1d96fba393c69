/**
 * onnxruntime's optimized-model cache. Creating a session runs the graph optimizers (constant folding,
 * fusions, layout changes) on the whole model; onnxruntime can save the result
 * (`optimizedModelFilePath`) and a later session can open that file with optimization disabled and
 * skip the work. Weights go to one external file (session config
 * `session.optimized_model_external_initializers_file_name`), because an SD UNet is over protobuf's
 * 2 GB limit.
 *
 * Pre-packed weights are deliberately not saved (`session.save_external_prepacked_constant_initializers`):
 * that makes a warm SD1.5 UNet load 2.8 s instead of 4.6 s, but the session then runs its GEMMs on
 * memory-mapped packed weights and every step is ~13% slower (12 paired runs at a 32×32 latent, warm
 * vs optimized-from-source) — a bad trade when one image takes 20 steps.
 *
 * Layout: `<cacheDir>/<key>/{model.onnx, model.onnx.data, manifest.json}`, where the key hashes the
 * source model's fingerprint (path, size, mtime of it and its data files), the device, the
 * optimization level and the machine. The machine matters: at level `all` onnxruntime's NCHWc
 * transformer writes layouts for this CPU's vector width, and onnxruntime itself warns that such a
 * file "should only be used in the same environment the model was optimized in" (it prints this when
 * saving). So the key includes onnxruntime's version, the platform, the CPU model and its feature flags.
 *
 * An entry is built in a private temporary folder and renamed into place, so readers never see half a
 * cache and concurrent builders do not collide. A damaged entry (missing file, wrong size, different
 * model bytes, or onnxruntime refusing it) is reported with a warning, deleted and rebuilt. The weights
 * file is checked by size only: hashing 3.4 GB would take longer than the warm load it protects, and
 * since entries are only ever published whole, what remains undetected is bit rot of the disk itself.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const MODEL_FILE = 'model.onnx';
const DATA_FILE = 'model.onnx.data';
const MANIFEST_FILE = 'manifest.json';
/** Initializers at least this big go to the data file: every weight, but not shape constants (onnxruntime's default is 1024 too). */
const EXTERNAL_MIN_BYTES = 1024;
/** Part of every key: entries written by an older layout of this cache are rebuilt, not misread. */
const CACHE_FORMAT = 3;

export interface CacheLog {
  warn(message: string): void;
}

/** What one cache lookup needs. `options` are the cold-load options; their optimization level is what gets cached. */
export interface OptimizedModelRequest {
  cacheDir: string;
  /** The original model file. */
  source: string;
  /** Content fingerprint of the source (see `modelFingerprint` in session.ts). */
  fingerprint: string;
  /** The concrete execution provider the session is for. */
  device: string;
  options: ort.InferenceSession.SessionOptions;
  /**
   * A transformed model to optimize instead of the source file (e.g. int8 weights), and what its
   * entry is called in the key; built only when the cache has no valid entry.
   */
  variant?: { name: string; prepare(): Promise<PreparedModel> };
}

/** A model in memory and the session options it needs (e.g. the folder of its external weights). */
export interface PreparedModel {
  model: Uint8Array;
  options: ort.InferenceSession.SessionOptions;
}

/** How a session came to be: opened from the cache, optimized from the source (and cached), or loaded without the cache. */
export type CacheOrigin = 'warm' | 'cold' | 'direct';

interface Manifest {
  source: string;
  fingerprint: string;
  device: string;
  level: string;
  /** The transformed model's name ('' for the source itself). */
  variant?: string;
  machine: string;
  /** SHA-256 of the optimized model.onnx (small: the weights are in the data file). */
  modelSha256: string;
  /** Byte size of each cached file. */
  sizes: Record<string, number>;
}

let machine: string | undefined;

/** onnxruntime version, platform and CPU (model and feature flags): what an optimized graph may depend on. */
function machineSignature(): string {
  if (machine === undefined) {
    let flags = '';
    try {
      flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '';
    } catch {
      // Not Linux: the CPU model string is the best description available.
    }
    const features = createHash('sha256').update(flags).digest('hex').slice(0, 12);
    machine = `ort ${ort.env.versions.common}|${process.platform}-${process.arch}|${os.cpus()[0]?.model ?? 'cpu'}|${features}`;
  }
  return machine;
}

/** The cache folder of one (model, device, level) on this machine. */
export function cacheEntryDir(cacheDir: string, fingerprint: string, device: string, level: string, variant = ''): string {
  const key = createHash('sha256')
    .update(JSON.stringify([CACHE_FORMAT, fingerprint, device, level, machineSignature(), variant]))
    .digest('hex')
    .slice(0, 32);
  return join(cacheDir, key);
}

/**
 * Opens `source` through the cache: warm from a valid entry (optimization disabled), otherwise cold,
 * optimizing the source and saving the result for next time. Creation errors of the cold path are
 * onnxruntime's own and propagate; cache trouble only ever costs a warning.
 */
export async function createWithOptimizedCache(request: OptimizedModelRequest, log: CacheLog): Promise<{ session: ort.InferenceSession; origin: CacheOrigin }> {
  const level = request.options.graphOptimizationLevel ?? 'all';
  const entry = cacheEntryDir(request.cacheDir, request.fingerprint, request.device, level, request.variant?.name);
  const manifest = await readManifest(entry);
  if (manifest !== undefined) {
    const problem = manifest === 'unreadable' ? 'its manifest is unreadable' : await checkEntry(entry, manifest);
    if (problem === undefined) {
      try {
        const session = await ort.InferenceSession.create(join(entry, MODEL_FILE), { ...request.options, graphOptimizationLevel: 'disabled' });
        return { session, origin: 'warm' };
      } catch (err) {
        warnRebuild(log, entry, request.source, `onnxruntime cannot open it (${firstLine(err)})`);
      }
    } else {
      warnRebuild(log, entry, request.source, problem);
    }
    await rm(entry, { recursive: true, force: true });
  }
  return buildEntry(request, level, entry, log);
}

/** Optimizes the source into a fresh temporary folder, then renames it into place. */
async function buildEntry(
  request: OptimizedModelRequest,
  level: string,
  entry: string,
  log: CacheLog,
): Promise<{ session: ort.InferenceSession; origin: CacheOrigin }> {
  const staging = `${entry}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    await mkdir(staging, { recursive: true });
  } catch (err) {
    log.warn(`Cannot write the optimized-model cache in ${request.cacheDir} (${firstLine(err)}); loading ${request.source} without it.`);
    return { session: await createFrom(request, request.options), origin: 'direct' };
  }
  try {
    let session: ort.InferenceSession;
    try {
      session = await createFrom(request, withSaving(request.options, join(staging, MODEL_FILE)));
    } catch (saveError) {
      // Some providers cannot serialize their optimized graph: load without saving, and if that fails too, its error is the real one.
      session = await createFrom(request, request.options);
      log.warn(`onnxruntime could not save the optimized model of ${request.source} (${firstLine(saveError)}); it is loaded without the cache.`);
      return { session, origin: 'direct' };
    }
    try {
      await writeManifest(staging, request, level);
      await rename(staging, entry);
      await pruneStale(request, level, entry);
    } catch (err) {
      // Another process published the same entry first (rename onto a non-empty folder), or the disk is full.
      if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (err as NodeJS.ErrnoException).code !== 'EEXIST') {
        log.warn(`Could not store the optimized model of ${request.source} in ${request.cacheDir}: ${firstLine(err)}.`);
      }
    }
    return { session, origin: 'cold' };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** A session of the source file, or of the request's variant with its own options added. */
export async function createFrom(
  request: Pick<OptimizedModelRequest, 'source' | 'variant'>,
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession> {
  if (!request.variant) return ort.InferenceSession.create(request.source, options);
  const prepared = await request.variant.prepare();
  const extra = (options.extra ?? {}) as { session?: Record<string, string> };
  const own = (prepared.options.extra ?? {}) as { session?: Record<string, string> };
  return ort.InferenceSession.create(prepared.model, { ...options, extra: { ...extra, session: { ...extra.session, ...own.session } } });
}

function withSaving(options: ort.InferenceSession.SessionOptions, modelPath: string): ort.InferenceSession.SessionOptions {
  const extra = (options.extra ?? {}) as { session?: Record<string, string> };
  return {
    ...options,
    // onnxruntime warns that a level-`all` file is machine-specific; the cache key already says so.
    logSeverityLevel: Math.max(options.logSeverityLevel ?? 2, 3) as 3 | 4,
    optimizedModelFilePath: modelPath,
    extra: {
      ...extra,
      session: {
        ...extra.session,
        optimized_model_external_initializers_file_name: DATA_FILE,
        optimized_model_external_initializers_min_size_in_bytes: String(EXTERNAL_MIN_BYTES),
      },
    },
  };
}

async function writeManifest(dir: string, request: OptimizedModelRequest, level: string): Promise<void> {
  const sizes: Record<string, number> = {};
  for (const name of await readdir(dir)) sizes[name] = (await stat(join(dir, name))).size;
  const manifest: Manifest = {
    source: request.source,
    fingerprint: request.fingerprint,
    device: request.device,
    level,
    variant: request.variant?.name ?? '',
    machine: machineSignature(),
    modelSha256: sha256(await readFile(join(dir, MODEL_FILE))),
    sizes,
  };
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The entry's manifest, `undefined` if there is no entry, or `'unreadable'`. */
async function readManifest(entry: string): Promise<Manifest | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(join(entry, MANIFEST_FILE), 'utf8');
  } catch {
    // No manifest: no entry, unless the folder exists (entries are published whole, so that is damage).
    return (await stat(entry).catch(() => undefined)) ? 'unreadable' : undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Manifest>;
    return typeof parsed.modelSha256 === 'string' && typeof parsed.sizes === 'object' && parsed.sizes !== null ? (parsed as Manifest) : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** Why an entry cannot be trusted, or undefined. Sizes catch truncation; the hash catches a rewritten graph. */
async function checkEntry(entry: string, manifest: Manifest): Promise<string | undefined> {
  for (const [name, size] of Object.entries(manifest.sizes)) {
    const actual = (await stat(join(entry, name)).catch(() => undefined))?.size;
    if (actual === undefined) return `${name} is missing`;
    if (actual !== size) return `${name} has ${actual} bytes instead of ${size}`;
  }
  const bytes = await readFile(join(entry, MODEL_FILE)).catch(() => undefined);
  if (bytes === undefined || sha256(bytes) !== manifest.modelSha256) return `${MODEL_FILE} does not match its checksum`;
  return undefined;
}

/** Deletes older entries of the same model file, device and level: a changed model leaves no multi-GB orphan. */
async function pruneStale(request: OptimizedModelRequest, level: string, keep: string): Promise<void> {
  for (const name of await readdir(request.cacheDir)) {
    const dir = join(request.cacheDir, name);
    if (dir === keep || name.includes('.tmp-')) continue;
    const manifest = await readManifest(dir);
    if (typeof manifest !== 'object') continue;
    const sameVariant = (manifest.variant ?? '') === (request.variant?.name ?? '');
    if (manifest.source === request.source && manifest.device === request.device && manifest.level === level && sameVariant) {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function warnRebuild(log: CacheLog, entry: string, source: string, reason: string): void {
  log.warn(`Ignoring the cached optimized model ${entry} of ${source}: ${reason}. Rebuilding it.`);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]?.trim() ?? 'unknown error';
}
