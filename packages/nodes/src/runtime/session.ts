/**
 * onnxruntime sessions for model files, created lazily, kept in the engine's object cache and keyed
 * by content (path, size, mtime of the model and its external data), device and thread count.
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

export function sessionOptions(device: ConcreteDevice, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: executionProviders(device),
    graphOptimizationLevel: 'all',
    // A GPU provider that fails to start is reported by us, with the reason; keep onnxruntime's own log quiet.
    logSeverityLevel: device === 'cpu' ? 2 : 4,
    ...(threads > 0 && { intraOpNumThreads: threads }),
  };
}

/**
 * Opens a model file on the requested device, through the optimized-model cache when `settings.cacheDir`
 * is set; creating from the path lets onnxruntime find external data beside it.
 */
export async function openSession(path: string, settings: SessionSettings, log: DeviceLog): Promise<LoadedSession> {
  const cacheDir = settings.cacheDir;
  const fingerprint = cacheDir ? (await modelFingerprint(path)).key : '';
  const { value, device } = await withDevice(
    settings.device,
    async (d): Promise<{ session: ort.InferenceSession; origin: CacheOrigin }> => {
      const options = sessionOptions(d, settings.threads);
      if (!cacheDir) return { session: await ort.InferenceSession.create(path, options), origin: 'direct' };
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
