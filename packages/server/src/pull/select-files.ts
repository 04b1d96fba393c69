/**
 * Which files of a repository Loom needs. A diffusers/ONNX pipeline (a `model_index.json` at the root)
 * keeps its layout: the index (and other root JSON), each component's small files (configs, tokenizer vocabularies) and one
 * set of weights per component — safetensors before `.bin`, the plain file unless `--variant` names one
 * (falling back to the plain file when a component has no such variant, as diffusers does), ONNX only
 * with `--onnx` (or when the repo is an ONNX export with nothing else). Never fetched: flax (`.msgpack`),
 * TensorFlow (`.h5`), root-level single-file checkpoints that duplicate the folders, docs and images.
 * Any other repo is a set of single files: its safetensors if it has any, else its `.pt/.pth/.bin/.ckpt`.
 */
import { posix } from 'node:path';
import { LoomError } from '@loom/engine';

export interface RepoFile {
  path: string;
  size: number;
  /** sha256 of the content (the hub's LFS oid); small git-stored files have none. */
  sha256?: string;
}

export interface SelectOptions {
  onnx: boolean;
  variant?: string;
}

const TORCH = /\.(safetensors|bin)$/;
const ONNX = /\.onnx$|\.onnx_data$|\.pb$|\.onnx\.data$/;
const SMALL = /\.(json|txt|model)$/;
const SINGLE = /\.(safetensors|pt|pth|bin|ckpt)$/;

/** `diffusion_pytorch_model.fp16-00001-of-00002.safetensors` → `fp16`; no dot in the stem → undefined. */
export function variantOf(path: string): string | undefined {
  const stem = posix
    .basename(path)
    .replace(/\.(safetensors|bin)$/, '')
    .replace(/-\d{5}-of-\d{5}$/, '');
  const dot = stem.lastIndexOf('.');
  return dot < 0 ? undefined : stem.slice(dot + 1);
}

function componentWeights(files: RepoFile[], options: SelectOptions): RepoFile[] {
  const onnx = files.filter((f) => ONNX.test(f.path));
  const torch = files.filter((f) => TORCH.test(f.path));
  if (options.onnx || torch.length === 0) return onnx;
  for (const ext of ['.safetensors', '.bin']) {
    const ofExt = torch.filter((f) => f.path.endsWith(ext));
    const wanted = options.variant === undefined ? [] : ofExt.filter((f) => variantOf(f.path) === options.variant);
    const plain = ofExt.filter((f) => variantOf(f.path) === undefined);
    if (wanted.length > 0) return wanted;
    if (plain.length > 0) return plain;
  }
  return [];
}

/** The files of a pipeline repo that Loom needs, in the repo's own layout. */
export function selectPipelineFiles(files: readonly RepoFile[], options: SelectOptions): RepoFile[] {
  if (options.onnx && !files.some((f) => ONNX.test(f.path))) {
    throw new LoomError('USAGE', '--onnx: this repository has no ONNX export (no .onnx files). Pull it without --onnx to get its safetensors weights.');
  }
  const byComponent = new Map<string, RepoFile[]>();
  for (const file of files) {
    const parts = file.path.split('/');
    if (parts.length !== 2) continue;
    const list = byComponent.get(parts[0] ?? '') ?? [];
    list.push(file);
    byComponent.set(parts[0] ?? '', list);
  }
  // model_index.json, and any other small JSON at the root (Loom's own latent_preview.json, for one).
  const chosen = files.filter((f) => !f.path.includes('/') && f.path.endsWith('.json'));
  for (const component of [...byComponent.keys()].sort()) {
    const list = byComponent.get(component) ?? [];
    chosen.push(...list.filter((f) => SMALL.test(f.path) && !f.path.endsWith('.msgpack.index.json')), ...componentWeights(list, options));
  }
  return chosen;
}

/** The weight files of a repo of single files (LoRAs, embeddings, checkpoints, VAEs, upscalers). */
export function selectSingleFiles(files: readonly RepoFile[], options: SelectOptions): RepoFile[] {
  const weights = files.filter((f) => SINGLE.test(f.path) && !/(^|\/)(flax|tf)_model\./.test(f.path));
  const safetensors = weights.filter((f) => f.path.endsWith('.safetensors'));
  const pool = safetensors.length > 0 ? safetensors : weights;
  const wanted = options.variant === undefined ? [] : pool.filter((f) => variantOf(f.path) === options.variant);
  if (wanted.length > 0) return wanted;
  const plain = pool.filter((f) => variantOf(f.path) === undefined || !/^(fp16|fp32|bf16|ema|non_ema)$/.test(variantOf(f.path) ?? ''));
  return plain.length > 0 ? plain : pool;
}
