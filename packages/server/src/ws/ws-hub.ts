/**
 * The WebSocket hub: ComfyUI sockets (`/ws?clientId=`) get ComfyUI messages routed by the prompt's
 * `client_id` (ComfyUI server.py `send_sync`: no sid broadcasts); Loom sockets (`/loom/ws`) get typed engine events. Queue status is
 * broadcast. A timer-driven heartbeat keeps clients alive during long silent work (model loads) and
 * detects dead peers with ping/pong.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData } from 'ws';
import { ComfyTranslator, type ComfyMessage } from '../events/comfy-translator.ts';
import type { PromptQueue, QueueEvent } from '../queue/prompt-queue.ts';
import { previewFrame, previewFrameWithMetadata } from './binary-frames.ts';
import { ClientSocket, DEFAULT_BUFFER_LIMITS, type BufferLimits, type Priority } from './client-socket.ts';
import { loomEventMessage } from './loom-messages.ts';

export interface WsHubOptions {
  /** Heartbeat period; ComfyUI clients reconnect after 10–15 s of silence. */
  heartbeatMs?: number;
  limits?: BufferLimits;
  /** Reported in the `feature_flags` reply. */
  maxUploadBytes: number;
  log?: (message: string) => void;
}

const CLIENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export class WsHub {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  readonly #comfy = new Map<string, ClientSocket>();
  readonly #loom = new Set<ClientSocket>();
  readonly #translators = new Map<string, ComfyTranslator>();
  readonly #limits: BufferLimits;
  readonly #timer: NodeJS.Timeout;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly queue: PromptQueue,
    private readonly options: WsHubOptions,
  ) {
    this.#limits = options.limits ?? DEFAULT_BUFFER_LIMITS;
    this.#unsubscribe = queue.on((event) => this.#onQueueEvent(event));
    this.#timer = setInterval(() => void this.#heartbeat(), options.heartbeatMs ?? 5000);
    this.#timer.unref();
  }

  get clientCount(): number {
    return this.#comfy.size + this.#loom.size;
  }

  /** Completes an HTTP upgrade already authorised by the caller. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: 'comfy' | 'loom', query: URLSearchParams): void {
    const requested = query.get('clientId') ?? query.get('client_id') ?? '';
    if (requested !== '' && !CLIENT_ID.test(requested)) {
      socket.end(
        'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":{"type":"invalid_client_id","message":"clientId must be 1-128 letters, digits or _ . : -"}}',
      );
      return;
    }
    // ComfyUI echoes the requested id as `sid` and clients adopt it, or makes a hex uuid.
    const sid = requested || randomUUID().replaceAll('-', '');
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const client = new ClientSocket(ws, sid, protocol, this.#limits, protocol === 'loom' && query.get('all') === '1');
      ws.on('pong', () => (client.alive = true));
      ws.on('error', () => ws.terminate());
      ws.on('message', (data, isBinary) => this.#onMessage(client, data, isBinary));
      ws.on('close', () => this.#forget(client));
      void this.#welcome(client);
    });
  }

  async #welcome(client: ClientSocket): Promise<void> {
    const remaining = await this.queue.remaining();
    if (client.protocol === 'loom') {
      this.#loom.add(client);
      client.send(JSON.stringify({ type: 'hello', data: { sid: client.sid, queueRemaining: remaining } }));
      return;
    }
    // A new connection with the same id replaces the old socket, as in ComfyUI.
    const previous = this.#comfy.get(client.sid);
    this.#comfy.set(client.sid, client);
    if (previous && previous !== client) previous.ws.close(1000, 'replaced by a new connection');
    client.send(status(remaining, client.sid));
    const current = this.queue.currentNode();
    if (current && current.clientId === client.sid) client.send(JSON.stringify({ type: 'executing', data: { node: current.nodeId } }));
  }

  #onMessage(client: ClientSocket, data: RawData, isBinary: boolean): void {
    const first = !client.sawFirstMessage;
    client.sawFirstMessage = true;
    // ComfyUI understands one client message, `feature_flags`, and only as the first; the rest is ignored.
    if (!first || isBinary || client.protocol !== 'comfy') return;
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (!isObject(message) || message.type !== 'feature_flags') return;
    client.previewMetadata = isObject(message.data) && message.data.supports_preview_metadata === true;
    client.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true, max_upload_size: this.options.maxUploadBytes } }));
  }

  #forget(client: ClientSocket): void {
    if (this.#comfy.get(client.sid) === client) this.#comfy.delete(client.sid);
    this.#loom.delete(client);
  }

  #onQueueEvent(event: QueueEvent): void {
    switch (event.type) {
      case 'queue.changed': {
        const comfyStatus = status(event.remaining);
        for (const client of this.#comfy.values()) client.send(comfyStatus);
        const loomStatus = JSON.stringify({ type: 'queue', data: { remaining: event.remaining } });
        for (const client of this.#loom) client.send(loomStatus);
        return;
      }
      case 'prompt.event': {
        let translator = this.#translators.get(event.promptId);
        if (!translator) {
          translator = new ComfyTranslator(event.promptId, event.classTypes);
          this.#translators.set(event.promptId, translator);
        }
        for (const message of translator.translate(event.event)) this.#sendComfy(message, event.clientId);
        const { text, preview } = loomEventMessage(event.promptId, event.event);
        for (const client of this.#loomAudience(event.clientId)) {
          if (preview) client.send(preview, event.event.type === 'node.progress' && event.event.preview?.output ? 'essential' : 'preview');
          client.send(text, event.event.type === 'node.progress' ? 'progress' : 'essential');
        }
        return;
      }
      case 'prompt.done': {
        const translator = this.#translators.get(event.promptId) ?? new ComfyTranslator(event.promptId);
        this.#translators.delete(event.promptId);
        this.#sendComfy(translator.finalExecuting(), event.clientId);
        const text = JSON.stringify({
          type: 'prompt.done',
          data: { promptId: event.promptId, outcome: event.outcome, ...(event.error && { error: event.error }) },
        });
        for (const client of this.#loomAudience(event.clientId)) client.send(text);
        return;
      }
    }
  }

  #sendComfy(message: ComfyMessage, clientId: string | undefined): void {
    const own = clientId === undefined ? undefined : this.#comfy.get(clientId);
    let targets: Iterable<ClientSocket>;
    if (clientId !== undefined) targets = own ? [own] : [];
    else if (message.to === 'client-or-all') targets = this.#comfy.values();
    else return; // ComfyUI sends no per-prompt events for a prompt without client_id.
    if (message.kind === 'preview') {
      let plain: Buffer | undefined;
      let withMeta: Buffer | undefined;
      for (const client of targets) {
        const frame = client.previewMetadata
          ? (withMeta ??= previewFrameWithMetadata(message.preview, message.nodeId, message.promptId))
          : (plain ??= previewFrame(message.preview));
        client.send(frame, message.preview.output ? 'essential' : 'preview');
      }
      return;
    }
    const text = JSON.stringify({ type: message.type, data: message.data });
    const priority: Priority = message.type === 'progress' || message.type === 'progress_state' ? 'progress' : 'essential';
    for (const client of targets) client.send(text, priority);
  }

  *#loomAudience(clientId: string | undefined): Iterable<ClientSocket> {
    for (const client of this.#loom) if (client.watchAll || (clientId !== undefined && client.sid === clientId)) yield client;
  }

  async #heartbeat(): Promise<void> {
    const remaining = await this.queue.remaining();
    const beat = status(remaining);
    const loomBeat = JSON.stringify({ type: 'heartbeat', data: { queueRemaining: remaining, time: Date.now() } });
    for (const client of [...this.#comfy.values(), ...this.#loom]) {
      if (!client.alive) {
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      client.ws.ping();
      client.send(client.protocol === 'comfy' ? beat : loomBeat);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe();
    for (const client of [...this.#comfy.values(), ...this.#loom]) client.ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}

function status(remaining: number, sid?: string): string {
  return JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: remaining } }, ...(sid !== undefined && { sid }) } });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
