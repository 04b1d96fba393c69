/**
 * CLIP tokenizer folders shipped as package data (`packages/nodes/data/tokenizers/`, licence and sources
 * in its README). Checkpoint files (`.safetensors`, `.ckpt`) carry no tokenizer, and the tests must not
 * depend on files outside the repository, so the two tokenizers Stable Diffusion uses live here:
 * - `clip-vit-large-patch14`: OpenAI CLIP ViT-L/14, SD1.x `tokenizer/` and SDXL `tokenizer/` (pads with eos);
 * - `clip-vit-bigg-14`: OpenCLIP ViT-bigG/14 as SDXL ships it in `tokenizer_2/` (same vocabulary, pads with `!`).
 */
import { fileURLToPath } from 'node:url';
import { LoomError } from '@loom/engine';

/** Names of the bundled tokenizer folders. */
export const BUNDLED_TOKENIZERS = ['clip-vit-large-patch14', 'clip-vit-bigg-14'] as const;

/** A bundled tokenizer's name. */
export type BundledTokenizerName = (typeof BUNDLED_TOKENIZERS)[number];

/** Absolute path of a bundled tokenizer folder, ready for `ClipTokenizer.fromDir`. */
export function bundledTokenizerDir(name: BundledTokenizerName): string {
  if (!BUNDLED_TOKENIZERS.includes(name)) {
    throw new LoomError('UNSUPPORTED_MODEL', `No bundled tokenizer "${String(name)}"; bundled: ${BUNDLED_TOKENIZERS.join(', ')}.`);
  }
  return fileURLToPath(new URL(`../../../data/tokenizers/${name}/`, import.meta.url));
}
