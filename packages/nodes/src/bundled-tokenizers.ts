/**
 * The CLIP tokenizer files Loom ships as package data (`packages/nodes/data/tokenizers/`, licence in
 * its NOTICE.md) for single-file checkpoints, which carry none.
 */
import { fileURLToPath } from 'node:url';

/** The bundled tokenizers: OpenAI CLIP ViT-L/14 (SD1.x, SDXL's first) and OpenCLIP bigG (SDXL's second, pads with "!"). */
export type BundledTokenizer = 'clip-vit-large-patch14' | 'clip-vit-bigg-14';

/** Folder of a bundled tokenizer. `clip-vit-bigg-14` holds only its two configs: its vocab and merges are CLIP-L's. */
export function bundledTokenizerDir(name: BundledTokenizer): string {
  return fileURLToPath(new URL(`../data/tokenizers/${name}/`, import.meta.url));
}
