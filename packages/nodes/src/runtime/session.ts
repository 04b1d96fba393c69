/**
 * onnxruntime sessions for model files, created lazily, kept in the engine's object cache and keyed
 * by content (path, size, mtime of the model and its external data), device and thread count, and
 * opened through the optimized-model cache (optimized-model-cache.ts) at whatever level they optimize ({@link worthCaching}).
 *
 * Defaults, from `npm run bench -- throughput model-load` on the SD1.5-size random UNet (2-core AMD
 * EPYC, onnxruntime-node 1.30, CPU; one CFG step, batch 2; each option timed against a reference
 * session kept open, runs interleaved A B B A, so the ratios survive the shared machine's drift):
 * - graphOptimizationLevel `extended` on the CPU. At run time it is on par with `all` (`all`: 0.97–0.99×
 *   the step time at a 32×32 latent over two sweeps; `extended` 0.95× of `all` at 64×64, 6 paired
 *   runs), but `all` adds the NCHWc layout transformer, which makes a load 26–71 s instead of 5–7 s
 *   and a hardware-specific graph (onnxruntime warns so when saving it). Other providers keep
 *   onnxruntime's default `all` (not measurable here) and get the optimized-model cache.
 * - intra-op threads = all cores (onnxruntime's default when `threads` is 0): 1 thread is 1.7–1.9× slower.
 * - CPU memory arena on (off: 1.2–1.36× slower, first call 2–3× slower).
 * - Memory patterns on: off is on par at 32×32 but 1.35× slower per step at 64×64 (9.5 s vs 7.0 s).
 *   The price: the first two calls at a new latent size take ~16 s and ~20 s (pattern tracing) and RSS
 *   is 9.8 GiB instead of 6.6 GiB; on a machine short of memory, `enableMemPattern: false` is the lever.
 * - Sequential execution (`parallel`: 0.94–1.01×, noise), intra-op spinning on (off: 0.98–1.02×).
 * - Pre-allocated outputs (`run` fetches): 0.95–1.01×, noise next to a multi-second step, so the
 *   runners return fresh tensors.
 * With these, one CFG step at 64×64 takes ~6.4 s: ~250 GFLOP/s at 0.803 TFLOP per sample-step, 0.74×
 * onnxruntime's MatMul 2048³ peak (342 GFLOP/s, 2 threads) measured in the same run.
 *
 * Memory and the first call (`npm run bench -- session-options`, bench/results/session-options.json: each
 * variant in its own process, peak RSS = the kernel's VmHWM, SD1.5-size UNet, 3.20 GiB of weights, 32×32
 * latent, machine load average 15–20, so step times are only comparable within the A-B-B-A pair):
 * - Loom's defaults peak at 3.84–3.85 GiB (1.20× the weights) at 32×32; at 64×64 one process peaked at
 *   9.75 GiB (2.84×), the activations and memory-pattern buffers of the larger latent, not the weights.
 * - memory patterns off: 3.63 GiB (1.13×); prepacking off (`session.disable_prepacking`): 3.85 GiB;
 *   both: 3.63 GiB; initializers in the device allocator (`session.use_device_allocator_for_initializers`):
 *   3.86 GiB. Only memory patterns move the peak, by 6%. Steady steps ranged 15–50 s across these
 *   processes as the machine's load changed, within one variant as much as between them: no speed verdict.
 * - first call ÷ steady at 32×32: 0.72× and 1.20× for the defaults (two processes); a warm-up call at
 *   8×8 made no difference (first 20.7 s, then 46.9 and 49.7 s); at 64×64 the one process above ran
 *   194 / 206 / 196 s. No first-call penalty showed, so Loom adds no warm-up.
 * The defaults stay: no variant measured both less memory and no slower steps. On a machine short of
 * memory at 64×64, `enableMemPattern: false` is the lever (above).
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { LoomError, type ObjectCache } from '@loom/engine';
import type { DeviceChoice } from '../pack-config.ts';
import { executionProviders, withDevice, type ConcreteDevice, type DeviceLog } from './device.ts';
import { createFrom, createWithOptimizedCache, type CacheOrigin, type OptimizedModelRequest } from './optimized-model-cache.ts';
import { OnnxModel } from './onnx-model/onnx-model.ts';
import { quantizeMatMulsInt8 } from './onnx-model/quantize-int8.ts';

export interface SessionSettings {
  device: DeviceChoice;
  /** Intra-op threads; 0 lets onnxruntime choose (all cores). */
  threads: number;
  /** Folder of the optimized-model cache; undefined or empty turns the cache off. */
  cacheDir?: string | undefined;
  /** Weight precision; `int8` quantizes MatMul weights (onnx-model/quantize-int8.ts). Default fp32. */
  precision?: Precision | undefined;
}

/** Weight precisions a session can be opened with. */
export type Precision = 'fp32' | 'int8';
export const PRECISIONS: readonly Precision[] = ['fp32', 'int8'];

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
    // Failures reach users as errors we word (a GPU provider that fails to start, a kernel that fails);
    // onnxruntime's own log would repeat them as raw, ANSI-coloured lines on stderr.
    logSeverityLevel: 4,
    ...(threads > 0 && { intraOpNumThreads: threads }),
  };
}

/**
 * Whether loading with these options goes through the optimized-model cache: every level that
 * optimizes (basic, extended, all), so no model pays its optimizers twice. Level `all`, whose layout
 * optimization dominates a load (SD1.5 UNet on the CPU: 26–71 s cold, 4.6–7 s warm), gains most; at
 * the CPU's `extended` the gain and the cache's own cost are in `bench/results/model-load.json`
 * (`npm run bench -- model-load`). Only `disabled` has nothing to save.
 */
export function worthCaching(options: ort.InferenceSession.SessionOptions): boolean {
  return (options.graphOptimizationLevel ?? 'all') !== 'disabled';
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
      const source = modelSource(path, settings.precision);
      if (!cacheDir || !worthCaching(options)) return { session: await createFrom(source, options), origin: 'direct' };
      return createWithOptimizedCache({ cacheDir, ...source, fingerprint, device: d, options }, log);
    },
    log,
  );
  return { session: value.session, origin: value.origin, device, path };
}

/** What a session of `path` at `precision` is created from: the file itself, or its int8 variant. */
export function modelSource(path: string, precision: Precision = 'fp32'): Pick<OptimizedModelRequest, 'source' | 'variant'> {
  return { source: path, ...(precision === 'int8' && { variant: int8Variant(path) }) };
}

/** The int8 model of `path`, built in memory; its float weights stay in the source folder's external files. */
function int8Variant(path: string): NonNullable<OptimizedModelRequest['variant']> {
  return {
    name: 'int8-matmul',
    prepare: async () => {
      const model = await OnnxModel.load(path);
      return { model: (await quantizeMatMulsInt8(model)).bytes, options: model.sessionOptions() };
    },
  };
}

/** The session for `path`, from the object cache or freshly created. */
export async function cachedSession(objects: ObjectCache, path: string, settings: SessionSettings, log: DeviceLog): Promise<LoadedSession> {
  const { key, bytes } = await modelFingerprint(path);
  // The cache folder is not part of the key: a warm and a cold session of one model compute the same thing.
  return objects.getOrCreate(`session|${key}|${settings.device}|${settings.threads}|${settings.precision ?? 'fp32'}`, async () => {
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
