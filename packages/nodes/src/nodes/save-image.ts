/**
 * SaveImage and PreviewImage: IMAGE → PNG files whose text chunks carry the graph (ComfyUI's `prompt`
 * and `workflow`) and an A1111 `parameters` line. Files appear atomically; a cancelled run writes none.
 */
import { atInput, defineNode, param, type NodeContext } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { IMAGE, type ImageBatch } from '../ports.ts';
import { encodePng } from '../images/image-codec.ts';
import { addPngText } from '../images/png-text.ts';
import { pngTextEntries } from '../images/metadata.ts';
import { savePng, type SavedFile } from '../images/save-png.ts';
import { relativeName, resolveInside } from '../model-files.ts';

/** `{seed}` and `{date}` (YYYY-MM-DD) in a prefix are replaced; the rest is taken literally. */
function expandPrefix(prefix: string, images: ImageBatch, date: Date): string {
  return prefix.replaceAll('{seed}', String(images.meta.seed ?? 0)).replaceAll('{date}', date.toISOString().slice(0, 10));
}

async function saveAll(root: string, prefix: string, images: ImageBatch, type: SavedFile['type'], ctx: NodeContext): Promise<SavedFile[]> {
  const expanded = expandPrefix(prefix, images, new Date());
  await atInput('filenamePrefix', () => resolveInside(root, expanded, 'Filename prefix'));
  const [batch, height, width] = images.shape;
  const saved: SavedFile[] = [];
  for (let i = 0; i < batch; i++) {
    ctx.throwIfCancelled();
    const meta = { ...images.meta, ...(images.meta.seed !== undefined && batch > 1 && { seed: images.meta.seed + i }) };
    const png = addPngText(await encodePng(images, i), pngTextEntries(ctx.graph, ctx.registry, meta, width, height));
    saved.push(await savePng(root, expanded, png, type, ctx.signal));
    ctx.progress(i + 1, batch);
  }
  ctx.ui({ images: saved });
  return saved;
}

export const saveImageNode = (config: NodePackConfig) =>
  defineNode({
    type: 'SaveImage',
    category: 'image',
    description: 'Saves images as PNG to the output folder as <prefix>_00001.png, with the graph and A1111-style parameters embedded.',
    inputs: { images: { type: IMAGE } },
    params: {
      filenamePrefix: param(
        relativeName('The file name prefix').min(1).max(200).default('loom'),
        'File name prefix; may contain subfolders, {seed} and {date}',
      ),
    },
    outputs: {},
    output: true,
    run: async ({ images }, { filenamePrefix }, ctx) => {
      await saveAll(config.outputDir, filenamePrefix, images, 'output', ctx);
      return {};
    },
  });

export const previewImageNode = (config: NodePackConfig) =>
  defineNode({
    type: 'PreviewImage',
    category: 'image',
    description: 'Shows images without keeping them: they are written to the temporary folder.',
    inputs: { images: { type: IMAGE } },
    params: {},
    outputs: {},
    output: true,
    run: async ({ images }, _params, ctx) => {
      await saveAll(config.tempDir, 'preview', images, 'temp', ctx);
      return {};
    },
  });
