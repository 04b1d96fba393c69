/**
 * Reading a Stable Diffusion pipeline folder in any real ONNX layout: Optimum (SD1.5, SDXL) and the
 * diffusers ONNX script (with `weights.pb`). The family and layout come from `model_index.json` and the
 * folders present; input dtypes and ranks are read later from the sessions, never assumed.
 * Layout: diffusers' `OnnxStableDiffusionPipeline.save_pretrained` and Optimum's `ORTStableDiffusionPipeline` folders.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { LoomError } from '@loom/engine';
import { unetDownFactor } from './latent-size.ts';
import { FAMILY_FACTORS, readPreviewFactors, type PreviewFactors } from './preview-factors.ts';
import { parsePythonJson } from './python-json.ts';

export interface PipelineFiles {
  dir: string;
  name: string;
  family: 'sd15' | 'sdxl';
  layout: 'optimum' | 'diffusers-onnx';
  /** One encoder for SD1.x, two for SDXL (text_encoder, text_encoder_2). */
  textEncoders: { model: string; tokenizerDir: string }[];
  unet: string;
  vaeDecoder: string;
  vaeEncoder?: string;
  safetyChecker?: string;
  featureExtractor?: string;
  schedulerConfig: Record<string, unknown>;
  /** How many times the UNet halves latents (from `unet/config.json`), when the export says. */
  unetDownFactor?: number;
  vaeScalingFactor: number;
  forceZerosForEmptyPrompt: boolean;
  /** Live-preview colours: the pipeline's own `latent_preview.json`, else its family's. */
  previewFactors: PreviewFactors;
}

const ModelIndexSchema = z.looseObject({
  _class_name: z.string(),
  force_zeros_for_empty_prompt: z.boolean().optional(),
});

/** SD1.x/2.x and SDXL VAE scaling factors, used when the export ships no VAE config (src/diffusers/utils/remote_utils.py). */
const DEFAULT_SCALING = { sd15: 0.18215, sdxl: 0.13025 } as const;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readJson(path: string): Promise<unknown> {
  try {
    return parsePythonJson(await readFile(path, 'utf8'));
  } catch (err) {
    throw new LoomError('UNSUPPORTED_MODEL', `Cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

async function requireModel(dir: string, component: string): Promise<string> {
  const path = join(dir, component, 'model.onnx');
  if (!(await exists(path))) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `Pipeline ${dir} has no ${component}/model.onnx. Loom needs an ONNX export (Optimum or the diffusers ONNX script) with text_encoder, unet and vae_decoder folders.`,
    );
  }
  return path;
}

async function optionalModel(dir: string, component: string): Promise<string | undefined> {
  const path = join(dir, component, 'model.onnx');
  return (await exists(path)) ? path : undefined;
}

export async function readPipeline(dir: string): Promise<PipelineFiles> {
  if (!(await exists(dir))) throw new LoomError('MODEL_NOT_FOUND', `Model folder ${dir} does not exist.`);
  const indexPath = join(dir, 'model_index.json');
  if (!(await exists(indexPath))) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${dir} is not a pipeline folder: it has no model_index.json. Put single-file checkpoints (.safetensors, .ckpt) in the models folder's checkpoints/, or use a diffusers folder or an ONNX export (Optimum, the diffusers ONNX script).`,
    );
  }
  const index = ModelIndexSchema.safeParse(await readJson(indexPath));
  if (!index.success) throw new LoomError('UNSUPPORTED_MODEL', `${indexPath} has no "_class_name"; it is not a diffusers model index.`);
  const className = index.data._class_name;
  const family = (await exists(join(dir, 'text_encoder_2'))) || /XL/.test(className) ? 'sdxl' : 'sd15';
  const unet = await requireModel(dir, 'unet');
  const layout = /^ORT/.test(className) || !(await exists(join(dir, 'unet', 'weights.pb'))) ? 'optimum' : 'diffusers-onnx';
  const textEncoders = [{ model: await requireModel(dir, 'text_encoder'), tokenizerDir: join(dir, 'tokenizer') }];
  if (family === 'sdxl') textEncoders.push({ model: await requireModel(dir, 'text_encoder_2'), tokenizerDir: join(dir, 'tokenizer_2') });
  const vaeConfigPath = [join(dir, 'vae_decoder', 'config.json'), join(dir, 'vae', 'config.json')];
  let vaeScalingFactor: number = DEFAULT_SCALING[family];
  for (const path of vaeConfigPath) {
    if (!(await exists(path))) continue;
    const factor = z.looseObject({ scaling_factor: z.number().positive() }).safeParse(await readJson(path));
    if (factor.success) vaeScalingFactor = factor.data.scaling_factor;
    break;
  }
  const schedulerPath = join(dir, 'scheduler', 'scheduler_config.json');
  // Without it the scheduler would run on class defaults, not the model's own schedule: refuse.
  if (!(await exists(schedulerPath))) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${dir} has no scheduler/scheduler_config.json. Copy it from the model's repository; the scheduler's defaults do not match the model's training schedule.`,
    );
  }
  const schedulerConfig = (await readJson(schedulerPath)) as Record<string, unknown>;
  const unetConfig = join(dir, 'unet', 'config.json');
  const unetDownFactor_ = (await exists(unetConfig)) ? unetDownFactor(await readJson(unetConfig)) : undefined;
  const vaeEncoder = await optionalModel(dir, 'vae_encoder');
  const safetyChecker = await optionalModel(dir, 'safety_checker');
  const featureExtractor = join(dir, 'feature_extractor', 'preprocessor_config.json');
  return {
    dir,
    name: basename(dir),
    family,
    layout,
    textEncoders,
    unet,
    vaeDecoder: await requireModel(dir, 'vae_decoder'),
    ...(vaeEncoder && { vaeEncoder }),
    ...(safetyChecker && { safetyChecker }),
    ...((await exists(featureExtractor)) && { featureExtractor }),
    schedulerConfig,
    ...(unetDownFactor_ !== undefined && { unetDownFactor: unetDownFactor_ }),
    vaeScalingFactor,
    previewFactors: (await readPreviewFactors(dir)) ?? FAMILY_FACTORS[family],
    // diffusers' SDXL pipeline defaults this to true (pipeline_stable_diffusion_xl.py __init__).
    forceZerosForEmptyPrompt: index.data.force_zeros_for_empty_prompt ?? family === 'sdxl',
  };
}

/** Pipeline folders (those with a model_index.json) directly inside the models folder. */
export async function listPipelines(modelsDir: string): Promise<string[]> {
  const entries = await readdir(modelsDir, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && !entry.name.startsWith('.') && (await exists(join(modelsDir, entry.name, 'model_index.json')))) names.push(entry.name);
  }
  return names.sort();
}
