/** CLIPTextEncode: ComfyUI's prompt encoder with ComfyUI's weighting (TextEncoder is the A1111-semantics one). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { CLIP, CONDITIONING } from '../ports.ts';
import { openTextEncoders } from '../sd/clip-sessions.ts';
import { featureLayers, loadTokenizer } from '../sd/text-encoding.ts';
import { encodeComfyPrompt } from '../sd/comfy-prompt/encode.ts';
import { embeddingFolderStamp } from '../sd/embeddings/embedding-folder.ts';
import { comfyPromptEmbeddings, embeddingsDir } from '../sd/embeddings/load-embeddings.ts';

export const clipTextEncodeNode = (config: NodePackConfig) =>
  defineNode({
    type: 'CLIPTextEncode',
    category: 'conditioning',
    description:
      "ComfyUI's CLIPTextEncode with ComfyUI semantics: (word) ×1.1, (word:1.3) sets the weight, \\( \\) escapes, weights interpolate against the empty prompt's encoding, 77-token windows that keep words whole, embedding:Name for a textual-inversion file in models/embeddings (also weighted: (embedding:Name:1.2)). For A1111 emphasis ([word], BREAK, mean restore) use TextEncoder.",
    inputs: { clip: { type: CLIP } },
    params: { text: param(z.string().max(20_000).default(''), 'The prompt', 'textarea') },
    outputs: { conditioning: CONDITIONING },
    fingerprint: () => embeddingFolderStamp(embeddingsDir(config)),
    run: async ({ clip }, { text }, ctx) => {
      const key = `comfy-encoding|${clip.pipeline.dir}|${JSON.stringify(clip.loras)}|${clip.skip ?? 1}|${await embeddingFolderStamp(embeddingsDir(config))}|${text}`;
      const conditioning = await ctx.objects.getOrCreate(key, async () => {
        const tokenizers = await Promise.all(clip.pipeline.textEncoders.map((e) => loadTokenizer(ctx, e.tokenizerDir)));
        const encoders = await openTextEncoders(clip, config, ctx);
        const value = await encodeComfyPrompt(clip, encoders, text, {
          tokenizers,
          layers: await featureLayers(clip, encoders, ctx),
          embeddings: await comfyPromptEmbeddings(clip, text, config, ctx),
          checkCancelled: () => ctx.throwIfCancelled(),
          onMissingEmbedding: (name) =>
            ctx.log.warn(
              `CLIPTextEncode: embedding:${name} matches no file in ${embeddingsDir(config)} (tried ${name}, ${name}.safetensors, .pt, .bin); encoded as the plain text "${name}".`,
            ),
        });
        return { value, bytes: (value.embeds.length + value.padWindow.length + (value.pooled?.length ?? 0)) * 4 };
      });
      return { conditioning };
    },
  });
