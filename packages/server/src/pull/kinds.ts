/**
 * The kinds of model `loom pull` knows, where each lands under `models/` (ComfyUI's folder names), and
 * how a kind is told from a file: safetensors tensor names first (read from the file's header, a few
 * KB fetched with a Range request), the file name when there is no header to read.
 */
import { LoomError } from '@loom/engine';

export const KINDS = ['pipeline', 'checkpoint', 'lora', 'embedding', 'vae', 'upscale'] as const;
export type ModelKind = (typeof KINDS)[number];

/** The folder under `models/` for each kind; a pipeline is a folder of its own, `models/<name>/`. */
export const KIND_FOLDERS: Record<ModelKind, string> = {
  pipeline: '.',
  checkpoint: 'checkpoints',
  lora: 'loras',
  embedding: 'embeddings',
  vae: 'vae',
  upscale: 'upscale_models',
};

/** `--kind` accepts the kind or its folder name (`loras`, `upscale_models`, …). */
export function parseKind(text: string): ModelKind {
  const found = KINDS.find((kind) => kind === text || KIND_FOLDERS[kind] === text);
  if (!found) throw new LoomError('USAGE', `--kind must be one of ${KINDS.join(', ')} (got "${text}").`);
  return found;
}

/**
 * The kind a safetensors file's tensor names say, or undefined when they say nothing clear.
 * - LoRA: kohya (`lora_unet_…lora_down.weight`), diffusers/PEFT (`…lora_A.weight`, `…lora.down.weight`).
 * - Embedding: A1111 (`string_to_param`), `emb_params`, SDXL (`clip_l` + `clip_g`), diffusers
 *   `learned_embeds` (one key that is the token itself, e.g. `<cat-toy>`).
 * - Checkpoint: LDM single file (`model.diffusion_model.…`).
 * - VAE: standalone AutoencoderKL, only `encoder.` / `decoder.` / `quant_conv` / `post_quant_conv` keys.
 */
export function kindFromTensorNames(names: readonly string[]): ModelKind | undefined {
  const keys = names.filter((name) => name !== '__metadata__');
  if (keys.length === 0) return undefined;
  if (keys.some((key) => /(^|[._])lora[._]/.test(key))) return 'lora';
  if (keys.some((key) => key === 'string_to_param' || key.startsWith('string_to_param.') || key === 'emb_params')) return 'embedding';
  if (keys.length <= 2 && keys.every((key) => key === 'clip_l' || key === 'clip_g' || /^<.*>$/.test(key))) return 'embedding';
  if (keys.some((key) => key.startsWith('model.diffusion_model.'))) return 'checkpoint';
  if (keys.every((key) => /^(encoder|decoder|quant_conv|post_quant_conv)\./.test(key))) return 'vae';
  return undefined;
}

/** The kind a file name suggests (for files without a readable header: `.pt`, `.pth`, `.bin`). */
export function kindFromFileName(path: string): ModelKind | undefined {
  const name = path.toLowerCase();
  if (/lora|lycoris|locon/.test(name)) return 'lora';
  if (/embedding|textual.?inversion|learned_embeds|\bti\b/.test(name)) return 'embedding';
  if (/esrgan|upscal|\b[248]x\b|_x[248]\b|swinir|\bdat\b/.test(name)) return 'upscale';
  if (/(^|[/_.-])vae([/_.-]|$)/.test(name)) return 'vae';
  return undefined;
}
