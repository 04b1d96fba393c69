/**
 * What a ModelLoader name points at, and how it becomes an ONNX pipeline folder:
 * - `name.safetensors` / `.ckpt` / `.pt` / `.pth` / `.bin` in `checkpoints/` (ComfyUI's folder, as
 *   CheckpointLoaderSimple names them) or at the top of the models folder: a single-file checkpoint,
 *   built once into the cache;
 * - a diffusers folder (`unet/diffusion_pytorch_model.*`): built once into the cache;
 * - an ONNX export folder: opened as it is.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LoomError } from '@loom/engine';
import { fileStamp, listFiles, resolveInside } from '../model-files.ts';
import type { NodePackConfig } from '../pack-config.ts';
import { cacheRootFor, ensureBuiltPipeline, type CheckpointSource } from '../weights/cache/built-pipeline.ts';
import type { ModelComponents } from '../weights/components.ts';
import { isDiffusersFolder, loadDiffusersFolder } from '../weights/diffusers-folder.ts';
import { loadSingleFile } from '../weights/ldm/single-file.ts';
import { WEIGHT_EXTENSIONS } from '../weights/open-weight-file.ts';
import { listPipelines, readPipeline, type PipelineFiles } from './pipeline.ts';

/** ComfyUI's folder of single-file checkpoints, inside the models folder. */
export const CHECKPOINTS_FOLDER = 'checkpoints';

const isWeightFile = (name: string): boolean => WEIGHT_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

/** Pipeline folders and single-file checkpoints a ModelLoader can name, sorted. */
export async function listModels(modelsDir: string): Promise<string[]> {
  const files = await listFiles(join(modelsDir, CHECKPOINTS_FOLDER), WEIGHT_EXTENSIONS);
  return [...(await listPipelines(modelsDir)), ...files].sort();
}

/** The file or folder `name` refers to, and whether it needs building. */
async function locateModel(config: NodePackConfig, name: string): Promise<CheckpointSource | { kind: 'onnx'; path: string }> {
  if (isWeightFile(name)) {
    const places = [join(config.modelsDir, CHECKPOINTS_FOLDER), config.modelsDir];
    for (const root of places) {
      const path = await resolveInside(root, name, 'Checkpoint');
      if (await isFile(path)) return { kind: 'single-file', path };
    }
    throw new LoomError('MODEL_NOT_FOUND', `Checkpoint "${name}" is not in ${places.join(' or ')}. Put single-file checkpoints in ${places[0]}.`);
  }
  const path = await resolveInside(config.modelsDir, name, 'Pipeline');
  return (await isDiffusersFolder(path)) ? { kind: 'diffusers', path } : { kind: 'onnx', path };
}

/** Opens `name` as pipeline files, building (with progress) what is not an ONNX export yet. */
export async function openModel(
  config: NodePackConfig,
  name: string,
  progress?: (value: number, max: number) => void,
  signal?: AbortSignal,
): Promise<PipelineFiles> {
  const source = await locateModel(config, name);
  if (source.kind === 'onnx') return readPipeline(source.path);
  const dir = await ensureBuiltPipeline(source, {
    cacheRoot: cacheRootFor(config.modelsDir, config.builtCacheDir),
    ...(progress ? { progress } : {}),
    ...(signal ? { signal } : {}),
  });
  // named after what the user chose, not the cache folder's hash
  return { ...(await readPipeline(dir)), name: basename(name).replace(/\.[^.]+$/, '') };
}

/**
 * Opens the weight files `name` points at (headers and pickles only, no tensor data) and closes them:
 * a hostile, truncated, wrongly typed or unknown checkpoint throws its BAD_FILE / UNSUPPORTED_MODEL
 * error now, before a prompt is queued. ONNX folders and names that do not exist pass: the loader
 * reports those when it runs.
 */
export async function checkModel(config: NodePackConfig, name: string): Promise<void> {
  const source = await locateModel(config, name).catch((err: unknown) => {
    if (err instanceof LoomError && err.code === 'MODEL_NOT_FOUND') return undefined;
    throw err;
  });
  if (!source || source.kind === 'onnx') return;
  const c: ModelComponents = source.kind === 'single-file' ? await loadSingleFile(source.path) : await loadDiffusersFolder(source.path);
  await Promise.all([c.unet, c.vae, c.textEncoder, c.textEncoder2].map((x) => x?.weights.close()));
}

/** Node fingerprint of `name`: sizes and mtimes of the files that define it. */
export async function modelStamp(config: NodePackConfig, name: string): Promise<string> {
  const source = await locateModel(config, name).catch(() => undefined);
  if (!source) return 'invalid';
  if (source.kind === 'single-file') {
    return [await fileStamp(source.path), await fileStamp(source.path.replace(/\.[^./\\]+$/, '.yaml'))].join('|');
  }
  const parts =
    source.kind === 'diffusers'
      ? ['model_index.json', ...(await readdir(join(source.path, 'unet')).catch(() => [])).map((f) => `unet/${f}`)]
      : ['model_index.json', 'unet/model.onnx', 'text_encoder/model.onnx', 'text_encoder_2/model.onnx', 'vae_decoder/model.onnx'];
  return (await Promise.all(parts.map((p) => fileStamp(join(source.path, p))))).join('|');
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
