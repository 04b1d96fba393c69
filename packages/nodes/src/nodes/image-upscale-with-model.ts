/** ImageUpscaleWithModel: super-resolution with an ONNX model, in overlapping tiles (ComfyUI's "Upscale Image (using Model)"). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { IMAGE, imageOf } from '../ports.ts';
import { cachedSession } from '../runtime/session.ts';
import { UPSCALE_MODEL } from '../sd/upscale/port.ts';
import { upscaleTiled } from '../sd/upscale/tiled-upscale.ts';
import { tileRunner } from '../sd/upscale/upscale-model.ts';
import { imageToPlanes, planesToImage } from '../sd/upscale/planes.ts';
import { tileStarts } from '../sd/vae.ts';

export const imageUpscaleWithModelNode = (config: NodePackConfig) =>
  defineNode({
    type: 'ImageUpscaleWithModel',
    category: 'image/upscaling',
    description:
      'Upscales images with an ESRGAN-style ONNX model. Images larger than the tile size run in overlapping, blended tiles, so memory stays bounded whatever the size. Output is clamped to 0..1.',
    inputs: { upscaleModel: { type: UPSCALE_MODEL }, images: { type: IMAGE } },
    params: {
      tileSize: param(z.int().min(0).max(4096).default(512), 'Tile edge in input pixels; 0 runs the whole image at once'),
      tileOverlap: param(z.int().min(0).max(512).default(32), 'Pixels shared by neighbouring tiles, blended'),
    },
    outputs: { images: IMAGE },
    run: async ({ upscaleModel, images }, { tileSize, tileOverlap }, ctx) => {
      const { session } = await cachedSession(ctx.objects, upscaleModel.path, config, ctx.log);
      const run = tileRunner(session, upscaleModel.path);
      const [batch, h, w] = images.shape;
      const edge = tileSize > 0 ? tileSize : Math.max(h, w);
      const perImage = tileStarts(h, edge, tileOverlap).length * tileStarts(w, edge, tileOverlap).length;
      let pixels: Float32Array | undefined;
      let size = { height: 0, width: 0 };
      for (let b = 0; b < batch; b++) {
        ctx.throwIfCancelled();
        const result = await upscaleTiled(imageToPlanes(images, b), h, w, tileSize, tileOverlap, run, (done) => {
          ctx.throwIfCancelled();
          ctx.progress(b * perImage + done, batch * perImage);
        });
        size = { height: result.height, width: result.width };
        pixels ??= new Float32Array(batch * result.height * result.width * 3);
        planesToImage(result.data, result.height, result.width, pixels, b);
      }
      return { images: imageOf(pixels ?? new Float32Array(0), [batch, size.height, size.width, 3], images.meta) };
    },
  });
