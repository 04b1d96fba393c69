/**
 * ComfyUI's binary WebSocket frames (ComfyUI server.py `BinaryEventTypes`, `encode_bytes`): a 4-byte big-endian event type, then a
 * type-specific layout. Only types 1 (preview) and 4 (preview with metadata, after negotiation) are
 * sent: clients throw on unknown types.
 */
import type { Preview } from '@loom/engine';

export const PREVIEW_IMAGE = 1;
const PREVIEW_IMAGE_WITH_METADATA = 4;

/** Type 1: `uint32 BE format` (1 = JPEG, 2 = PNG), then the encoded image. */
export function previewFrame(preview: Preview): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(PREVIEW_IMAGE, 0);
  header.writeUInt32BE(preview.mime === 'image/png' ? 2 : 1, 4);
  return Buffer.concat([header, preview.data]);
}

/** Type 4: `uint32 BE metadata length`, the metadata JSON, then the image. */
export function previewFrameWithMetadata(preview: Preview, nodeId: string, promptId: string): Buffer {
  const metadata = Buffer.from(
    JSON.stringify({ node_id: nodeId, prompt_id: promptId, display_node_id: nodeId, parent_node_id: null, real_node_id: nodeId, image_type: preview.mime }),
  );
  const header = Buffer.alloc(8);
  header.writeUInt32BE(PREVIEW_IMAGE_WITH_METADATA, 0);
  header.writeUInt32BE(metadata.length, 4);
  return Buffer.concat([header, metadata, preview.data]);
}
