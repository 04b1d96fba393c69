/** Running ComfyUI API prompts against a test server: submit, wait for the history entry, read saved images. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api } from './test-server.ts';

/** A `/history/{id}` entry. */
export interface HistoryEntry {
  status: { status_str: string; messages: [string, Record<string, unknown>][] };
  outputs: Record<string, { images?: { filename: string; subfolder: string }[] }>;
}

/** Submits `prompt` to `/prompt` and waits (up to a minute) for its history entry. */
export async function runPrompt(url: string, prompt: object): Promise<HistoryEntry> {
  const res = await api(url, '/prompt', { json: { prompt } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const id = (res.body as { prompt_id: string }).prompt_id;
  for (let i = 0; i < 1200 && !((await api(url, `/history/${id}`)).body as Record<string, unknown>)[id]; i++) await new Promise((r) => setTimeout(r, 50));
  return ((await api(url, `/history/${id}`)).body as Record<string, HistoryEntry>)[id]!;
}

/** The bytes of the first image node `node` saved into `outputDir`. */
export function savedImage(outputDir: string, entry: HistoryEntry, node: string): Buffer {
  const img = entry.outputs[node]?.images?.[0];
  assert.ok(img, 'an image was saved');
  return readFileSync(join(outputDir, img.subfolder, img.filename));
}
