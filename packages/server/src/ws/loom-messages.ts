/**
 * Loom's own WebSocket messages (`/loom/ws`): engine events as they are, wrapped with the prompt id.
 * A preview travels as a ComfyUI type-1 binary frame right before its progress event, so JSON stays
 * small and the same frame parser works for both protocols.
 */
import type { EngineEvent } from '@loom/engine';
import { previewFrame } from './binary-frames.ts';

export function loomEventMessage(promptId: string, event: EngineEvent): { text: string; preview?: Buffer } {
  if (event.type === 'node.progress' && event.preview) {
    const { preview, ...rest } = event;
    return { text: JSON.stringify({ type: 'event', data: { promptId, event: { ...rest, hasPreview: true } } }), preview: previewFrame(preview) };
  }
  return { text: JSON.stringify({ type: 'event', data: { promptId, event } }) };
}
