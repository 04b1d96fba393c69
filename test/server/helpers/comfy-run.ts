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

/** What a {@link comfyTxt2img} prompt varies; every field has the tests' usual default. */
export interface Txt2imgOptions {
  ckpt?: string;
  positive?: string;
  negative?: string;
  seed?: number;
  prefix?: string;
  /** The CLIP output the text encoders take (e.g. a CLIPSetLastLayer node's). */
  clip?: [string, number];
  /** The VAE VAEDecode takes (e.g. a VAELoader node's). */
  vae?: [string, number];
  /** Further nodes, such as the ones `clip` or `vae` name. */
  extra?: Record<string, { class_type: string; inputs: Record<string, unknown> }>;
}

/** ComfyUI's default txt2img workflow as an API prompt (64×64, 2 euler steps): checkpoint 4, sampler 3, SaveImage 9. */
export function comfyTxt2img(o: Txt2imgOptions = {}): Record<string, { class_type: string; inputs: Record<string, unknown> }> {
  const clip = o.clip ?? ['4', 1];
  return {
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: o.ckpt ?? 'tiny-sd15' } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: o.positive ?? 'a red circle', clip } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: o.negative ?? '', clip } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } },
    '3': {
      class_type: 'KSampler',
      inputs: {
        model: ['4', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
        seed: o.seed ?? 1,
        steps: 2,
        cfg: 7,
        sampler_name: 'euler',
        scheduler: 'normal',
        denoise: 1,
      },
    },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: o.vae ?? ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: o.prefix ?? 'ComfyUI' } },
    ...o.extra,
  };
}
