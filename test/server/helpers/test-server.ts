/**
 * A real server on an ephemeral loopback port with the engine's builtin and stub nodes (plus the test
 * nodes), in a fresh temporary folder; and a WebSocket probe that records every message it receives.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Engine, NodeRegistry, builtinNodes, type ComfyMap } from '@loom/engine';
import { stubNodes } from '../../../packages/engine/src/testing/stub-nodes.ts';
import { createServer, type LoomServer, type ServerOptions } from '../../../packages/server/src/create-server.ts';
import type { ServerHost } from '../../../packages/server/src/server-context.ts';
import { testNodes } from './test-nodes.ts';

/** A ComfyUI-style alias for tests: `ComfyCollect.first` is our `Collect.a`. */
export const TEST_COMFY_MAP: ComfyMap = { ComfyCollect: { type: 'Collect', inputs: { first: 'a' } } };

export interface Dirs {
  root: string;
  models: string;
  input: string;
  output: string;
  data: string;
  graphs: string;
  temp: string;
}

export function makeDirs(): Dirs {
  const root = mkdtempSync(join(tmpdir(), 'loom-server-test-'));
  const dirs = {
    root,
    models: join(root, 'models'),
    input: join(root, 'input'),
    output: join(root, 'out'),
    data: join(root, 'data'),
    graphs: join(root, 'graphs'),
    temp: join(root, 'temp'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  return dirs;
}

export function stubHost(dirs: Dirs, comfyMap: ComfyMap = TEST_COMFY_MAP): ServerHost {
  const registry = new NodeRegistry([...builtinNodes, ...stubNodes, ...testNodes(dirs.output)]);
  return {
    engine: new Engine({ registry }),
    registry,
    comfyMap,
    config: { modelsDir: dirs.models, inputDir: dirs.input, outputDir: dirs.output, tempDir: dirs.temp, device: 'cpu', threads: 1 },
  };
}

export interface TestServer {
  server: LoomServer;
  url: string;
  wsUrl: string;
  dirs: Dirs;
  close(): Promise<void>;
}

export async function startTestServer(options: Partial<ServerOptions> = {}, dirs: Dirs = makeDirs()): Promise<TestServer> {
  const server = await createServer({ host: stubHost(dirs), dataDir: dirs.data, templatesDir: dirs.graphs, log: () => {}, ...options });
  const { url } = await server.listen(0);
  return {
    server,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    dirs,
    async close() {
      await server.close();
      rmSync(dirs.root, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** fetch + JSON: bodies that are objects are sent as JSON. */
export async function api(base: string, path: string, init: RequestInit & { json?: unknown } = {}): Promise<ApiResponse> {
  const { json, ...rest } = init;
  const res = await fetch(base + path, {
    ...rest,
    ...(json !== undefined && {
      body: JSON.stringify(json),
      method: rest.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...(rest.headers as Record<string, string>) },
    }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? '' : JSON.parse(text);
  } catch {
    // not JSON; tests that care assert on `text`
  }
  return { status: res.status, body, text, headers: res.headers };
}

export interface WsMessage {
  type: string;
  data: Record<string, unknown>;
}

/** A WebSocket client that records every JSON message and binary frame. */
export class WsProbe {
  readonly messages: WsMessage[] = [];
  readonly binaries: Buffer[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) this.binaries.push(Buffer.from(data));
      else this.messages.push(JSON.parse(data.toString()) as WsMessage);
      for (const wake of this.#waiters) wake();
    });
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<WsProbe> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const probe = new WsProbe(ws);
      ws.once('open', () => resolve(probe));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  /** Resolves with the first message matching, waiting up to `timeoutMs`. */
  waitFor(match: (m: WsMessage) => boolean, timeoutMs = 5000): Promise<WsMessage> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.messages.find(match);
        if (found) {
          this.#waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
        return Boolean(found);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out; got ${this.messages.map((m) => m.type).join(',')}`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(check);
    });
  }

  /** Waits for the end marker of a prompt: `executing {node: null, prompt_id}`. */
  waitForEnd(promptId: string, timeoutMs = 10_000): Promise<WsMessage> {
    return this.waitFor((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === promptId, timeoutMs);
  }

  /** Messages about one prompt, in order (status messages excluded). */
  forPrompt(promptId: string): WsMessage[] {
    return this.messages.filter((m) => m.data.prompt_id === promptId);
  }

  close(): void {
    this.ws.close();
  }
}

/** A graph `Source → [Slow] → Collect` in ComfyUI API format. */
export function comfyChain(value: number, slowMs = 0): Record<string, unknown> {
  const prompt: Record<string, unknown> = { '1': { class_type: 'Source', inputs: { value } } };
  if (slowMs > 0) prompt['2'] = { class_type: 'Slow', inputs: { x: ['1', 0], ms: slowMs, steps: 4 } };
  prompt['3'] = { class_type: 'Collect', inputs: { a: [slowMs > 0 ? '2' : '1', 0], label: `v${value}` } };
  return prompt;
}
