/**
 * The editor's connection to `/loom/ws?all=1`: typed engine events for every prompt (the queue panel
 * shows other clients' jobs too; the canvas follows only this tab's), queue counts, and previews. A preview arrives as a ComfyUI type-1 binary frame right before the
 * `node.progress` event it belongs to (packages/server/src/ws/loom-messages.ts), so the frame is held
 * until that event arrives. Reconnects with backoff; `clientId` stays the same across reconnects so
 * a prompt submitted before a drop still reports to us.
 */
import type { EngineEvent, LoomSocketMessage } from './types.ts';

export interface LiveHandlers {
  /** An engine event of any prompt; `preview` is set on progress events that carried one. */
  event(promptId: string, event: EngineEvent, preview?: Blob): void;
  done(promptId: string, outcome: 'success' | 'error' | 'interrupted', error?: { message: string; nodeId?: string }): void;
  queue(remaining: number): void;
  connection(open: boolean): void;
}

/** ComfyUI binary frame types (ComfyUI server.py `BinaryEventTypes`, `send_image`): 1 = preview image, format 1 JPEG / 2 PNG. */
const PREVIEW_IMAGE = 1;

function decodePreviewFrame(frame: ArrayBuffer): Blob | undefined {
  if (frame.byteLength < 8) return undefined;
  const view = new DataView(frame);
  if (view.getUint32(0) !== PREVIEW_IMAGE) return undefined;
  const mime = view.getUint32(4) === 2 ? 'image/png' : 'image/jpeg';
  return new Blob([frame.slice(8)], { type: mime });
}

export class LiveSocket {
  readonly clientId = `editor-${crypto.randomUUID()}`;
  #ws: WebSocket | null = null;
  #preview: Blob | undefined;
  #retry = 500;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly handlers: LiveHandlers) {
    this.#connect();
  }

  #connect(): void {
    const url = new URL(`/loom/ws?clientId=${encodeURIComponent(this.clientId)}&all=1`, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    ws.onopen = () => {
      this.#retry = 500;
      this.handlers.connection(true);
    };
    ws.onclose = () => {
      this.handlers.connection(false);
      if (this.#closed) return;
      this.#timer = setTimeout(() => this.#connect(), this.#retry);
      this.#retry = Math.min(this.#retry * 2, 8000);
    };
    ws.onmessage = (message: MessageEvent<ArrayBuffer | string>) => this.#onMessage(message.data);
  }

  #onMessage(data: ArrayBuffer | string): void {
    if (typeof data !== 'string') {
      this.#preview = decodePreviewFrame(data);
      return;
    }
    let message: LoomSocketMessage;
    try {
      message = JSON.parse(data) as LoomSocketMessage;
    } catch {
      return;
    }
    switch (message.type) {
      case 'hello':
      case 'heartbeat':
        this.handlers.queue('queueRemaining' in message.data ? message.data.queueRemaining : 0);
        return;
      case 'queue':
        this.handlers.queue(message.data.remaining);
        return;
      case 'event': {
        const { promptId, event } = message.data;
        const preview = event.type === 'node.progress' && event.hasPreview ? this.#preview : undefined;
        if (event.type === 'node.progress') this.#preview = undefined;
        this.handlers.event(promptId, event, preview);
        return;
      }
      case 'prompt.done':
        this.handlers.done(message.data.promptId, message.data.outcome, message.data.error);
        return;
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    const ws = this.#ws;
    // Closing a socket that is still connecting logs a browser warning; close it once it opens.
    if (ws?.readyState === WebSocket.CONNECTING) ws.onopen = () => ws.close();
    else ws?.close();
  }
}
