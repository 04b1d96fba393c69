/**
 * Loads a diffusers pipeline folder (`save_pretrained` layout: `model_index.json`, one folder per
 * component with `config.json` and weights) as {@link ModelComponents}. Weights may be
 * `.safetensors` or `.bin` pickles, the `fp16` variant (`diffusion_pytorch_model.fp16.safetensors`)
 * or sharded with an `*.index.json`, as diffusers' `_get_model_file` and transformers'
 * `from_pretrained` accept them; safetensors is preferred over pickles, as there.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { LoomError } from '@loom/engine';
import type { ComponentWeights, ModelComponents } from './components.ts';
import { checkFloatWeights } from './float-weights.ts';
import { mergedSource } from './merged-source.ts';
import { openWeightFile } from './open-weight-file.ts';
import type { WeightSource } from './weight-source.ts';

const Index = z.looseObject({ _class_name: z.string() });
const Json = z.record(z.string(), z.unknown());
const ShardIndex = z.object({ weight_map: z.record(z.string(), z.string()) });

/** Whether `dir` holds a diffusers (PyTorch-weights) pipeline and no ONNX export (which needs no build). */
export async function isDiffusersFolder(dir: string): Promise<boolean> {
  const files = await readdir(join(dir, 'unet')).catch(() => [] as string[]);
  return !files.includes('model.onnx') && files.some((f) => f.startsWith('diffusion_pytorch_model'));
}

/** Opens the components of the pipeline in `dir`. */
export async function loadDiffusersFolder(dir: string): Promise<ModelComponents> {
  const index = Index.safeParse(await readJson(join(dir, 'model_index.json')));
  if (!index.success) throw new LoomError('UNSUPPORTED_MODEL', `${dir}/model_index.json has no "_class_name"; it is not a diffusers model index.`);
  const xl = /XL/.test(index.data._class_name);
  const opened: ComponentWeights[] = [];
  try {
    const open = async (name: string, stem: string): Promise<ComponentWeights> => {
      const c = { config: Json.parse(await readJson(join(dir, name, 'config.json'))), weights: await openComponent(join(dir, name), stem) };
      opened.push(c);
      checkFloatWeights(c.weights);
      return c;
    };
    const unet = await open('unet', 'diffusion_pytorch_model');
    const vae = await open('vae', 'diffusion_pytorch_model');
    const textEncoder = await open('text_encoder', 'model');
    const textEncoder2 = xl ? await open('text_encoder_2', 'model') : undefined;
    const scheduler = Json.parse(await readJson(join(dir, 'scheduler', 'scheduler_config.json')));
    const inpaint = unet.config.in_channels === 9;
    return {
      kind: `${xl ? 'sdxl' : 'sd15'}${inpaint ? '-inpaint' : ''}` as ModelComponents['kind'],
      unet,
      vae,
      textEncoder,
      ...(textEncoder2 ? { textEncoder2 } : {}),
      scheduler,
    };
  } catch (err) {
    await Promise.all(opened.map((c) => c.weights.close()));
    throw err;
  }
}

/**
 * The weights of one component folder. transformers names its files `model.*` / `pytorch_model.*`,
 * diffusers `diffusion_pytorch_model.*`; the plain file wins over the `fp16` variant.
 */
async function openComponent(folder: string, stem: string): Promise<WeightSource> {
  const files = new Set(await readdir(folder).catch(() => [] as string[]));
  const stems = stem === 'model' ? ['model', 'pytorch_model'] : [stem];
  for (const ext of ['safetensors', 'bin']) {
    for (const s of stems) {
      for (const variant of ['', '.fp16']) {
        const single = `${s}${variant}.${ext}`;
        if (files.has(single)) return openWeightFile(join(folder, single));
        const shards = `${single}.index.json`;
        if (files.has(shards)) return openSharded(folder, shards);
      }
    }
  }
  throw new LoomError(
    'MODEL_NOT_FOUND',
    `${folder} has no weights (${stems.map((s) => `${s}.safetensors`).join(' or ')}, .bin, their fp16 variants or a sharded *.index.json).`,
  );
}

async function openSharded(folder: string, indexName: string): Promise<WeightSource> {
  const parsed = ShardIndex.safeParse(await readJson(join(folder, indexName)));
  if (!parsed.success) throw new LoomError('BAD_FILE', `${join(folder, indexName)} has no weight_map.`);
  const parts: WeightSource[] = [];
  try {
    for (const file of new Set(Object.values(parsed.data.weight_map))) parts.push(await openWeightFile(join(folder, file)));
  } catch (err) {
    await Promise.all(parts.map((p) => p.close()));
    throw err;
  }
  return mergedSource(parts, folder);
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (err) {
    throw new LoomError('UNSUPPORTED_MODEL', `Cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}
