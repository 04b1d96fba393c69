/** VAEDecode: latents → images, tiled for large sizes so memory stays bounded. */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { IMAGE, LATENT, VAE } from '../ports.ts';
import { cachedSession } from '../runtime/session.ts';
import { decodeLatents, tileStarts } from '../sd/vae.ts';

export const vaeDecodeNode = (config: NodePackConfig) =>
  defineNode({
    type: 'VAEDecode',
    category: 'latent',
    description: 'Decodes latents to images with the VAE decoder. Latents larger than the tile size are decoded in overlapping, blended tiles.',
    inputs: { vae: { type: VAE }, latent: { type: LATENT } },
    params: {
      tileSize: param(z.int().min(0).max(1024).default(512), 'Tile edge in pixels (a multiple of 64); 0 decodes in one piece'),
      tileOverlap: param(z.int().min(0).max(256).default(64), 'Overlap between tiles in pixels (a multiple of 8)'),
    },
    outputs: { images: IMAGE },
    run: async ({ vae, latent }, { tileSize, tileOverlap }, ctx) => {
      const { session } = await cachedSession(ctx.objects, vae.decoder, config, ctx.log);
      const tiles = tileSize > 0 ? { tile: Math.max(8, Math.floor(tileSize / 8)), overlap: Math.floor(tileOverlap / 8) } : undefined;
      const [batch, , h, w] = latent.shape;
      const perImage = tiles ? tileStarts(h, tiles.tile, tiles.overlap).length * tileStarts(w, tiles.tile, tiles.overlap).length : 1;
      let done = 0;
      const images = await decodeLatents(session, vae.decoder, latent, vae.scalingFactor, tiles, () => ctx.progress(++done, batch * perImage));
      return { images };
    },
  });
