/**
 * ComfyUI's script_examples protocols against a real server on the tiny SD1.5 pipeline, driven by
 * tools/comfy-clients/script_example_client.py (Python urllib + websocket-client, the examples' own
 * libraries): the basic POST, the websocket example with a LoRA through LoraLoaderModelOnly, and the
 * websocket-images example with SaveImageWebsocket. The prompts are the examples' default workflow with
 * only the model names, sizes and step counts changed. Skips without python3's `websocket` module
 * (Debian: python3-websocket) unless LOOM_REQUIRE_SYSTEM_DEPS=1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readPngText } from '@loom/nodes';
import { createServer, type LoomServer } from '../../packages/server/src/create-server.ts';
import { createHost } from '../../packages/server/src/host.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import websocket'], { encoding: 'utf8' });
const missing =
  probe.status === 0
    ? null
    : `${PYTHON} with the websocket module is not available (Debian: apt-get install python3-websocket); skipping the script_examples tests.`;
if (missing && process.env.LOOM_REQUIRE_SYSTEM_DEPS === '1') throw new Error(`${missing} LOOM_REQUIRE_SYSTEM_DEPS=1 requires it.`);

/** The examples' default workflow, on the tiny pipeline at 64×64 and 4 steps; `extra` adds nodes. */
function examplePrompt(modelFrom: [string, number], extra: Record<string, unknown>, output: Record<string, unknown>): Record<string, unknown> {
  return {
    '3': {
      class_type: 'KSampler',
      inputs: {
        cfg: 8,
        denoise: 1,
        latent_image: ['5', 0],
        model: modelFrom,
        negative: ['7', 0],
        positive: ['6', 0],
        sampler_name: 'euler',
        scheduler: 'normal',
        seed: 5,
        steps: 4,
      },
    },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'tiny-sd15' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { batch_size: 1, height: 64, width: 64 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { clip: ['4', 1], text: 'masterpiece best quality man' } },
    '7': { class_type: 'CLIPTextEncode', inputs: { clip: ['4', 1], text: 'bad hands' } },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    ...extra,
    ...output,
  };
}

let server: LoomServer;
let address = '';
const scratch = mkdtempSync(join(tmpdir(), 'loom-script-examples-'));
before(async () => {
  if (missing) return;
  const host = createHost({
    modelsDir: join(repo, 'models'),
    outputDir: join(scratch, 'out'),
    inputDir: join(scratch, 'in'),
    tempDir: join(scratch, 'temp'),
    device: 'cpu',
    threads: 2,
  });
  server = await createServer({ host, dataDir: join(scratch, 'data'), templatesDir: join(scratch, 'graphs'), log: () => {} });
  address = new URL((await server.listen(0)).url).host;
});
after(() => server?.close());

interface ClientResult {
  prompt_id: string;
  images: Record<string, string[]>;
  frames: [number, number][];
}

let runs = 0;
function runClient(mode: string, prompt: unknown): Promise<ClientResult> {
  const run = `${mode}-${++runs}`;
  const file = join(scratch, `${run}.json`);
  writeFileSync(file, JSON.stringify(prompt));
  const child = spawn(PYTHON, [
    join(repo, 'tools/comfy-clients/script_example_client.py'),
    '--server',
    address,
    '--mode',
    mode,
    '--prompt',
    file,
    '--out',
    join(scratch, run),
  ]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => void (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as ClientResult) : reject(new Error(`client exited ${code}: ${stderr}`)))),
  );
}

const size = async (file: string) => {
  const meta = await sharp(file).metadata();
  return [meta.format, meta.width, meta.height];
};

test('basic_api_example: a bare POST /prompt (form content type, no client id) runs to history', { skip: missing ?? false, timeout: 120_000 }, async () => {
  const { prompt_id } = await runClient(
    'basic',
    examplePrompt(['4', 0], {}, { '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } } }),
  );
  let entry: { status?: { completed?: boolean }; outputs?: Record<string, { images: unknown[] }> } | undefined;
  for (let i = 0; i < 600 && !entry?.status?.completed; i++) {
    entry = ((await (await fetch(`http://${address}/history/${prompt_id}`)).json()) as Record<string, typeof entry>)[prompt_id];
    if (!entry?.status?.completed) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(entry?.status?.completed, true);
  assert.equal(entry?.outputs?.['9']?.images.length, 1);
});

test(
  'websockets_api_example: LoraLoaderModelOnly, executing {node: null} as the end, images via /history and /view',
  { skip: missing ?? false, timeout: 120_000 },
  async () => {
    // The example's LoRA node (its strength_clip input is not one LoraLoaderModelOnly has, and is ignored as ComfyUI does).
    const lora = {
      '10': {
        class_type: 'LoraLoaderModelOnly',
        inputs: { lora_name: 'tiny-sd15/pytorch_lora_weights_4.safetensors', model: ['4', 0], strength_clip: 1, strength_model: 0.5 },
      },
    };
    const result = await runClient(
      'ws',
      examplePrompt(['10', 0], lora, { '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } } }),
    );
    const [file] = result.images['9'] ?? [];
    assert.ok(file, JSON.stringify(result));
    assert.deepEqual(await size(file), ['png', 64, 64]);
    const sent = JSON.parse(readPngText(readFileSync(file)).prompt ?? '{}') as Record<string, { class_type: string }>;
    assert.equal(sent['10']?.class_type, 'LoraLoaderModelOnly', 'the PNG carries the prompt as sent');
    // Without the LoRA the picture differs: the LoRA was applied.
    const plain = await runClient(
      'ws',
      examplePrompt(['4', 0], {}, { '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'plain', images: ['8', 0] } } }),
    );
    const [a, b] = await Promise.all([
      sharp(file).raw().toBuffer(),
      sharp(plain.images['9']?.[0] ?? '')
        .raw()
        .toBuffer(),
    ]);
    assert.ok(!a.equals(b));
  },
);

test(
  'websockets_api_example_ws_images: SaveImageWebsocket sends PNG frames (type 1, format 2) while it is the executing node',
  { skip: missing ?? false, timeout: 120_000 },
  async () => {
    const output = { save_image_websocket_node: { class_type: 'SaveImageWebsocket', inputs: { images: ['8', 0] } } };
    const first = await runClient('ws_images', examplePrompt(['4', 0], {}, output));
    const [file] = first.images.save_image_websocket_node ?? [];
    assert.ok(file, JSON.stringify(first));
    assert.deepEqual(await size(file), ['png', 64, 64]);
    assert.ok(first.frames.some(([event, format]) => event === 1 && format === 2));
    // Never cached (ComfyUI's IS_CHANGED is time.time()): the same prompt again sends the image again.
    const again = await runClient('ws_images', examplePrompt(['4', 0], {}, output));
    assert.equal(again.images.save_image_websocket_node?.length, 1);
    assert.ok(readFileSync(again.images.save_image_websocket_node?.[0] ?? '').equals(readFileSync(file)), 'same seed, same PNG');
  },
);
