/**
 * onnxruntime sessions for model files, created lazily, kept in the engine's object cache and keyed
 * by content (path, size, mtime of the model and its external data), device and thread count, and
 * opened through the optimized-model cache (optimized-model-cache.ts) when a cache folder is set.
 *
 * Defaults, from `npm run bench -- throughput model-load` on the SD1.5-size random UNet (2-core AMD
 * EPYC, onnxruntime-node 1.30, CPU; one CFG step, batch 2; each option timed against a reference
 * session kept open, runs interleaved A B B A, so the ratios survive the shared machine's drift):
 * - graphOptimizationLevel `extended` on the CPU: 0.85× the step time of `all` at a 32×32 latent and
 *   0.95× at 64×64 (median of 6 paired runs). `all` adds the NCHWc layout transformer, whose
 *   reorders around every GroupNorm cost more than they save on this UNet, and its saved graph is
 *   hardware-specific (onnxruntime warns so when saving it); `extended` is portable. `basic`: 1.15×
 *   slower. Other providers keep onnxruntime's default `all` (not measured here).
 * - intra-op threads = all cores (onnxruntime's default when `threads` is 0): 1 thread is 1.72× slower.
 * - CPU memory arena on (off: 1.21× slower, 2× slower first call); memory patterns on (off: 0.91× at
 *   32×32 but 1.07× at 64×64); sequential execution (`parallel`: 0.90–0.98×, within the noise, and it
 *   turns memory patterns off with slower first calls); intra-op spinning on (off: 0.97×, noise).
 * - Pre-allocated outputs (`run` fetches): 0.95×, within the noise for a 64 KB output next to a
 *   multi-second step, so the runners return fresh tensors.
 * - A session opened warm from the cache runs as fast as one optimized from the source (0.97×) and
 *   gives bit-identical outputs; it loads in ~7 s instead of ~60 s (model-load bench).
 * With these, one CFG step at 64×64 takes ~7 s: ~230 GFLOP/s, 0.68× onnxruntime's MatMul 2048³
 * peak (341 GFLOP/s, 2 threads) measured in the same run.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { LoomError, type ObjectCache } from '@loom/engine';
import type { DeviceChoice } from '../pack-config.ts';
import { executionProviders, withDevice, type ConcreteDevice, type DeviceLog } from './device.ts';
import { createWithOptimizedCache, type CacheOrigin } from './optimized-model-cache.ts';

export interface SessionSettings {
  device: DeviceChoice;
  /** Intra-op threads; 0 lets onnxruntime choose (all cores). */
  threads: number;
  /** Folder of the optimized-model cache; undefined or empty turns the cache off. */
  cacheDir?: string | undefined;
}

export interface LoadedSession {
  session: ort.InferenceSession;
  device: ConcreteDevice;
  path: string;
  /** `warm`: opened from the optimized-model cache; `cold`: optimized now (and cached); `direct`: without the cache. */
  origin: CacheOrigin;
}

/** Size and mtime of a model file and of the external-data files beside it (weights.pb, *.onnx_data, per-tensor files). */
export async function modelFingerprint(path: string): Promise<{ key: string; bytes: number }> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new LoomError('MODEL_NOT_FOUND', `Model file ${path} does not exist.`);
  }
  let bytes = info.size;
  const parts = [`${path}:${info.size}:${info.mtimeMs}`];
  const dir = dirname(path);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name === basename(path) || /\.(json|txt|md)$/.test(entry.name)) continue;
    const extra = await stat(join(dir, entry.name));
    bytes += extra.size;
    parts.push(`${entry.name}:${extra.size}:${extra.mtimeMs}`);
  }
  return { key: parts.join('|'), bytes };
}

/** Loom's session options for a device; the module doc gives the measurements behind each choice. */
export function sessionOptions(device: ConcreteDevice, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: executionProviders(device),
    graphOptimizationLevel: device === 'cpu' ? 'extended' : 'all',
    // A GPU provider that fails to start is reported by us, with the reason; keep onnxruntime's own log quiet.
    logSeverityLevel: device === 'cpu' ? 2 : 4,
    ...(threads > 0 && { intraOpNumThreads: threads }),
  };
}

/**
 * Whether loading with these options gains from the optimized-model cache: only level `all`, whose
 * layout optimization dominates a load (SD1.5 UNet on the CPU: 26–71 s cold, 4.6–7 s warm). At
 * `extended` a cold load is already 5.2 s and a warm one 4.6 s, not worth the first load's extra
 * 16 s and 3.4 GB of disk per model.
 */
export function worthCaching(options: ort.InferenceSession.SessionOptions): boolean {
  return (options.graphOptimizationLevel ?? 'all') === 'all';
}

/**
 * Opens a model file on the requested device, through the optimized-model cache when `settings.cacheDir`
 * is set and the device's options are {@link worthCaching}; creating from the path lets onnxruntime
 * find external data beside it.
 */
export async function openSession(path: string, settings: SessionSettings, log: DeviceLog): Promise<LoadedSession> {
  const cacheDir = settings.cacheDir;
  const fingerprint = cacheDir ? (await modelFingerprint(path)).key : '';
  const { value, device } = await withDevice(
    settings.device,
    async (d): Promise<{ session: ort.InferenceSession; origin: CacheOrigin }> => {
      const options = sessionOptions(d, settings.threads);
      if (!cacheDir || !worthCaching(options)) return { session: await ort.InferenceSession.create(path, options), origin: 'direct' };
      return createWithOptimizedCache({ cacheDir, source: path, fingerprint, device: d, options }, log);
    },
    log,
  );
  return { session: value.session, origin: value.origin, device, path };
}

/** The session for `path`, from the object cache or freshly created. */
export async function cachedSession(objects: ObjectCache, path: string, settings: SessionSettings, log: DeviceLog): Promise<LoadedSession> {
  const { key, bytes } = await modelFingerprint(path);
  // The cache folder is not part of the key: a warm and a cold session of one model compute the same thing.
  return objects.getOrCreate(`session|${key}|${settings.device}|${settings.threads}`, async () => {
    let loaded: LoadedSession;
    try {
      loaded = await openSession(path, settings, log);
    } catch (err) {
      if (err instanceof LoomError) throw err;
      throw new LoomError('UNSUPPORTED_MODEL', `onnxruntime could not load ${path}: ${(err as Error).message}`, { cause: err });
    }
    return { value: loaded, bytes, dispose: () => loaded.session.release() };
  });
}

/** Reads a session input's element type and rank, the way the diffusers ONNX pipeline does (never assumed). */
export function inputSignature(session: ort.InferenceSession, name: string): { type: string; rank: number } | undefined {
  const meta = session.inputMetadata.find((m) => m.name === name);
  if (!meta || !meta.isTensor) return undefined;
  return { type: meta.type, rank: meta.shape.length };
}
