/**
 * One connected WebSocket with bounded buffering: execution never waits for a socket, and a socket that
 * cannot keep up loses previews first, then progress, and is closed when even essential messages pile up.
 */
import WebSocket from 'ws';

/** How much may wait in a socket's send buffer before each class of message is dropped. */
export interface BufferLimits {
  /** Previews are dropped above this many buffered bytes. */
  previewBytes: number;
  /** Progress messages are dropped above this. */
  progressBytes: number;
  /** Above this the socket is closed: it is dead or far too slow. */
  closeBytes: number;
}

export const DEFAULT_BUFFER_LIMITS: BufferLimits = { previewBytes: 256 * 1024, progressBytes: 1024 * 1024, closeBytes: 8 * 1024 * 1024 };

export type Priority = 'preview' | 'progress' | 'essential';

export class ClientSocket {
  /** Set by pongs; a socket that misses one heartbeat round is terminated. */
  alive = true;
  /** Negotiated with a first `feature_flags` message (ComfyUI type-4 previews). */
  previewMetadata = false;
  sawFirstMessage = false;
  dropped = 0;

  constructor(
    readonly ws: WebSocket,
    readonly sid: string,
    readonly protocol: 'comfy' | 'loom',
    private readonly limits: BufferLimits,
    /** Loom sockets may watch every prompt, not just their own. */
    readonly watchAll = false,
  ) {}

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends unless the buffer is over this priority's limit. Returns whether it was sent. */
  send(data: string | Buffer, priority: Priority = 'essential'): boolean {
    if (!this.open) return false;
    const buffered = this.ws.bufferedAmount;
    if (buffered > this.limits.closeBytes) {
      this.ws.terminate();
      return false;
    }
    if ((priority === 'preview' && buffered > this.limits.previewBytes) || (priority === 'progress' && buffered > this.limits.progressBytes)) {
      this.dropped++;
      return false;
    }
    this.ws.send(data);
    return true;
  }
}
