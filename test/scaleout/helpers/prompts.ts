/** Prompts and probes shared by the scale-out tests. */
import { api, WsProbe, type WsMessage } from '../../server/helpers/test-server.ts';

/** `Source(value) → Slow(ms, steps) → StubSaveImage + Tag` in ComfyUI API format. */
export function slowSave(value: number, slowMs: number, prefix: string, steps = 4): Record<string, unknown> {
  return {
    '1': { class_type: 'Source', inputs: { value } },
    '2': { class_type: 'Slow', inputs: { x: ['1', 0], ms: slowMs, steps } },
    '3': { class_type: 'StubSaveImage', inputs: { x: ['2', 0], filenamePrefix: prefix } },
    '4': { class_type: 'Tag', inputs: { x: ['2', 0] } },
  };
}

/** One `StubPipeline` node: needs `pipeline`; `seed` makes each prompt distinct. */
export function pipelinePrompt(pipeline: string, seed: number): Record<string, unknown> {
  return { '1': { class_type: 'StubPipeline', inputs: { pipeline, seed } } };
}

export async function submit(url: string, prompt: Record<string, unknown>, clientId?: string): Promise<string> {
  const res = await api(url, '/prompt', { json: { prompt, ...(clientId !== undefined && { client_id: clientId }) } });
  if (res.status !== 200) throw new Error(`POST /prompt answered ${res.status}: ${res.text}`);
  return (res.body as { prompt_id: string }).prompt_id;
}

export type HistoryEntry = {
  status: { status_str: string; completed: boolean; messages: [string, Record<string, unknown>][] };
  outputs: Record<string, Record<string, unknown[]>>;
};

export async function history(url: string, promptId: string): Promise<HistoryEntry | undefined> {
  return ((await api(url, `/history/${promptId}`)).body as Record<string, HistoryEntry>)[promptId];
}

/** A prompt's messages reduced to what must match between modes: type, node, and progress steps. */
export function shape(messages: WsMessage[]): string[] {
  return messages.map((m) => {
    if (m.type === 'executing' || m.type === 'executed') return `${m.type}:${String(m.data.node)}`;
    if (m.type === 'progress') return `progress:${String(m.data.node)}:${String(m.data.value)}/${String(m.data.max)}`;
    return m.type;
  });
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export { api, WsProbe };
