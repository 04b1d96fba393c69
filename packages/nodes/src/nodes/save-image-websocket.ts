/**
 * SaveImageWebsocket: sends each image as a PNG over the WebSocket instead of writing a file
 * (ComfyUI's custom_nodes/websocket_image_save.py). The PNG travels as a progress preview marked as an
 * output, which the server sends as ComfyUI's binary frame: uint32 BE 1 (PREVIEW_IMAGE), uint32 BE 2 (PNG),
 * then the bytes (type 4 with metadata to clients that negotiated it), never dropped for a slow socket.
 */
import { defineNode } from '@loom/engine';
import { IMAGE } from '../ports.ts';
import { encodePng } from '../images/image-codec.ts';

export const saveImageWebsocketNode = () =>
  defineNode({
    type: 'SaveImageWebsocket',
    category: 'api node/image',
    description:
      "ComfyUI's SaveImageWebsocket: sends every image as a binary PNG frame to the prompt's WebSocket client (no file, no metadata). It runs on every prompt, as in ComfyUI.",
    inputs: { images: { type: IMAGE } },
    params: {},
    outputs: {},
    output: true,
    // ComfyUI's IS_CHANGED returns time.time(): the node never comes from the cache.
    fingerprint: () => `${Date.now()}:${Math.random()}`,
    run: async ({ images }, _params, ctx) => {
      const batch = images.shape[0];
      for (let i = 0; i < batch; i++) {
        ctx.throwIfCancelled();
        ctx.progress(i + 1, batch, { mime: 'image/png', data: await encodePng(images, i), output: true });
      }
      return {};
    },
  });
