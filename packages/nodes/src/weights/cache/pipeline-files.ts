/**
 * The one writer of everything in a built pipeline folder around the ONNX models: `model_index.json`,
 * the scheduler and the tokenizers, laid out as an Optimum export so that `readPipeline`
 * (sd/pipeline.ts) opens a built model exactly like an exported one. The builder's `writeGraphs`
 * writes each model with its `config.json`; the cache (built-pipeline.ts) and the builder's
 * `buildPipeline` both call this for the rest.
 */
import { cp, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LoomError } from '@loom/engine';
import { bundledTokenizerDir, type BundledTokenizerName } from '../../sd/tokenizer/index.ts';
import type { ModelComponents } from '../components.ts';

/** CLIP's real vocabulary size: the bundled tokenizer fits only text encoders of this size. */
const CLIP_VOCAB = 49408;

/** Where a checkpoint's tokenizers come from. */
export interface TokenizerSources {
  /** Folders to copy as `tokenizer/` and `tokenizer_2/`; undefined means the bundled ones. */
  readonly tokenizer?: string;
  readonly tokenizer2?: string;
  /** What to name in errors (the checkpoint). */
  readonly origin: string;
}

/** The tokenizer folders beside a single file: `<stem>.tokenizer/`, `<stem>.tokenizer_2/`, when present. */
export async function tokenizersBeside(checkpoint: string): Promise<TokenizerSources> {
  const stem = checkpoint.replace(/\.[^./\\]+$/, '');
  const dir = async (suffix: string): Promise<string | undefined> =>
    (await stat(`${stem}.${suffix}`).then(
      (s) => s.isDirectory(),
      () => false,
    ))
      ? `${stem}.${suffix}`
      : undefined;
  const [tokenizer, tokenizer2] = [await dir('tokenizer'), await dir('tokenizer_2')];
  return { origin: checkpoint, ...(tokenizer && { tokenizer }), ...(tokenizer2 && { tokenizer2 }) };
}

/** Optimum's pipeline class per kind (optimum/onnxruntime/modeling_diffusion.py). */
const CLASS = {
  sd15: 'ORTStableDiffusionPipeline',
  'sd15-inpaint': 'ORTStableDiffusionInpaintPipeline',
  sdxl: 'ORTStableDiffusionXLPipeline',
  'sdxl-inpaint': 'ORTStableDiffusionXLInpaintPipeline',
} as const;

/**
 * Writes `model_index.json`, `scheduler/` and `tokenizer/` (+ `tokenizer_2/`) of the pipeline `c` into
 * `outDir`. `forceZerosForEmptyPrompt` is the source's own SDXL flag (a diffusers folder's index); SDXL
 * defaults to true, as diffusers' StableDiffusionXLPipeline does.
 */
export async function writePipelineFiles(outDir: string, c: ModelComponents, tokenizers: TokenizerSources, forceZerosForEmptyPrompt?: boolean): Promise<void> {
  const xl = c.kind.startsWith('sdxl');
  const json = async (rel: string, value: unknown): Promise<void> => {
    await mkdir(join(outDir, rel, '..'), { recursive: true });
    await writeFile(join(outDir, rel), `${JSON.stringify(value, null, 2)}\n`);
  };
  const ort = ['diffusers', 'OnnxRuntimeModel'];
  await json('model_index.json', {
    _class_name: CLASS[c.kind],
    _diffusers_version: '0.27.2',
    scheduler: ['diffusers', String(c.scheduler._class_name ?? (xl ? 'EulerDiscreteScheduler' : 'PNDMScheduler'))],
    text_encoder: ort,
    tokenizer: ['transformers', 'CLIPTokenizer'],
    unet: ort,
    vae_decoder: ort,
    vae_encoder: ort,
    ...(xl
      ? { text_encoder_2: ort, tokenizer_2: ['transformers', 'CLIPTokenizer'], force_zeros_for_empty_prompt: forceZerosForEmptyPrompt ?? true }
      : { requires_safety_checker: false }),
  });
  await json('scheduler/scheduler_config.json', c.scheduler);
  await copyTokenizer(join(outDir, 'tokenizer'), tokenizers.tokenizer, 'clip-vit-large-patch14');
  if (c.textEncoder2) await copyTokenizer(join(outDir, 'tokenizer_2'), tokenizers.tokenizer2, 'clip-vit-bigg-14');
}

/** Refuses, before any build, text encoders that the bundled tokenizers would be used for but do not fit. */
export function checkTokenizersFit(c: ModelComponents, tokenizers: TokenizerSources): void {
  const pairs = [
    [c.textEncoder, tokenizers.tokenizer],
    [c.textEncoder2, tokenizers.tokenizer2],
  ] as const;
  for (const [encoder, own] of pairs) {
    const vocab = encoder?.config.vocab_size;
    if (encoder && !own && vocab !== CLIP_VOCAB) {
      throw new LoomError(
        'UNSUPPORTED_MODEL',
        `${tokenizers.origin}: its text encoder has ${String(vocab)} tokens, not CLIP's ${CLIP_VOCAB}, so Loom's bundled tokenizer does not fit. Put the model's tokenizer files (vocab.json, merges.txt, …) in a folder named like the checkpoint with ".tokenizer" (and ".tokenizer_2" for SDXL's second).`,
      );
    }
  }
}

async function copyTokenizer(to: string, from: string | undefined, bundled: BundledTokenizerName): Promise<void> {
  await mkdir(to, { recursive: true });
  const source = from ?? bundledTokenizerDir(bundled);
  for (const f of await readdir(source)) await cp(join(source, f), join(to, f));
}
