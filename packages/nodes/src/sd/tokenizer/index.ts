/** CLIP BPE tokenizer for SD1.x / SDXL tokenizer folders (see `clip-tokenizer.ts`). */
export { ClipTokenizer, type PadOptions } from './clip-tokenizer.ts';
export { parseMerges, readTokenizerDir, type TokenizerParts } from './tokenizer-files.ts';
export { BUNDLED_TOKENIZERS, bundledTokenizerDir, type BundledTokenizerName } from './bundled.ts';
