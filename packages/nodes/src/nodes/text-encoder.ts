/** TextEncoder: prompt text → CONDITIONING with A1111 emphasis and long prompts (CLIPTextEncode is the ComfyUI one). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { CLIP, CONDITIONING } from '../ports.ts';
import { openTextEncoders } from '../sd/clip-sessions.ts';
import { encodePrompt } from '../sd/text-encoding.ts';
import { embeddingFolderStamp } from '../sd/embeddings/embedding-folder.ts';
import { embeddingsDir } from '../sd/embeddings/load-embeddings.ts';

export const textEncoderNode = (config: NodePackConfig) =>
  defineNode({
    type: 'TextEncoder',
    category: 'conditioning',
    description:
      'Encodes a prompt with the CLIP text encoder(s), with A1111 semantics (for ComfyUI weighting use CLIPTextEncode). Supports (word), ((word)), (word:1.3), [word], \\( escapes, BREAK, prompts longer than 77 tokens (75-token windows), and textual-inversion embeddings: a word that is the name of a file in models/embeddings (A1111 style, e.g. BadDream) takes its vectors.',
    inputs: { clip: { type: CLIP } },
    params: {
      text: param(z.string().max(20_000).default(''), 'The prompt', 'textarea'),
      clipSkip: param(
        z.number().int().min(1).max(24).default(1),
        "CLIP skip as A1111 counts it: 1 = last layer, 2 = penultimate, … (final layer norm applied after skipping). 1 keeps the CLIP input's setting (CLIPSetLastLayer).",
      ),
    },
    outputs: { conditioning: CONDITIONING },
    // a file added to models/embeddings can turn a word of the same text into an embedding
    fingerprint: () => embeddingFolderStamp(embeddingsDir(config)),
    run: async ({ clip: input }, { text, clipSkip }, ctx) => {
      const clip = clipSkip > 1 ? { ...input, skip: clipSkip } : input;
      // Keyed by value, so the same text is encoded once however the graph around it changes (grids, retries).
      const key = `encoding|${clip.pipeline.dir}|${JSON.stringify(clip.loras)}|${clip.skip ?? 1}|${await embeddingFolderStamp(embeddingsDir(config))}|${text}`;
      const conditioning = await ctx.objects.getOrCreate(key, async () => {
        const value = await encodePrompt(clip, await openTextEncoders(clip, config, ctx), text, ctx, config);
        return { value, bytes: (value.embeds.length + value.padWindow.length + (value.pooled?.length ?? 0)) * 4 };
      });
      return { conditioning };
    },
  });
