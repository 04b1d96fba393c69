/**
 * Which vectors of an embedding file an encoder takes, with the width check: SD1.x/SD2.x encoders take a
 * one-encoder file's vectors; SDXL's text_encoder takes `clip_l`, text_encoder_2 takes `clip_g` (ComfyUI
 * sdxl_clip.py `embedding_key`, A1111 sd_models_xl.py). A file made for another model fails, naming the file
 * and both widths, as A1111 does when it skips an embedding whose shape does not fit (`EmbeddingDatabase.register_embedding`
 * compares the vector width); ComfyUI only logs and drops it, which hides the mistake.
 */
import { LoomError } from '@loom/engine';
import type { EmbeddingFile, EmbeddingPart } from './embedding-file.ts';

/** The part an encoder takes: `single` for SD1.x, `clip_l` / `clip_g` for SDXL's first / second encoder. */
export function encoderPart(family: 'sd15' | 'sdxl', encoder: number): EmbeddingPart {
  if (family === 'sd15') return 'single';
  return encoder === 0 ? 'clip_l' : 'clip_g';
}

function describe(file: EmbeddingFile): string {
  const single = file.parts.get('single');
  if (single) return `${single.width}-wide vectors for one text encoder (SD1.x or SD2.x)`;
  return `an SDXL embedding (clip_l ${file.parts.get('clip_l')?.width}-wide, clip_g ${file.parts.get('clip_g')?.width}-wide)`;
}

/** The `[rows, width]` vectors `file` gives the encoder of `part` and width `width`, or a clear error. */
export function vectorsFor(file: EmbeddingFile, part: EmbeddingPart, width: number, encoder: string): Float32Array {
  const vectors = file.parts.get(part);
  if (!vectors || vectors.width !== width) {
    const wants = part === 'single' ? `${width}-wide vectors` : `${part} vectors ${width} wide`;
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `Embedding ${file.path} holds ${describe(file)}, but ${encoder} takes ${wants}. Use an embedding trained for this model family.`,
    );
  }
  return vectors.data;
}
