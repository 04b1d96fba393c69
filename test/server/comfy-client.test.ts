/**
 * A real ComfyUI client from npm (@stable-canvas/comfyui-client, exact-pinned) drives the server
 * unchanged: first on stub nodes, then a tiny-model SD1.5 txt2img with a LoRA through ComfyUI's own
 * node names (CheckpointLoaderSimple, LoraLoader, CLIPTextEncode, EmptyLatentImage, KSampler, VAEDecode,
 * SaveImage), with progress callbacks, result images fetched through /view, and the client's helpers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Client, Workflow } from '@stable-canvas/comfyui-client';
import { createServer } from '../../packages/server/src/create-server.ts';
import { createHost } from '../../packages/server/src/host.ts';
import { sniffImage } from '../../packages/server/src/http/image-sniff.ts';
import { startTestServer } from './helpers/test-server.ts';

function clientFor(url: string, clientId: string): Client {
  // The client takes WebSocket and fetch implementations in Node (its README's Node example).
  return new Client({ api_host: new URL(url).host, clientId, WebSocket: WebSocket as never, fetch: globalThis.fetch.bind(globalThis) });
}

/** The Workflow builder's outputs are typed as possibly missing under noUncheckedIndexedAccess. */
function present<T>(value: T | undefined): T {
  assert.ok(value !== undefined);
  return value;
}

async function imageAt(url: string) {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return sniffImage(new Uint8Array(await res.arrayBuffer()));
}

test('the npm client connects, enqueues, follows progress and gets images back (stub nodes)', { timeout: 60_000 }, async () => {
  const t = await startTestServer();
  const client = clientFor(t.url, 'npm-client');
  try {
    const [stats, connected] = await Promise.all([client.getSystemStats(), client.connect()]);
    assert.equal(connected, true);
    assert.equal(typeof stats.system.os, 'string');
    assert.equal(client.clientId, 'npm-client', 'the sid echo keeps the id');

    const steps: number[] = [];
    const prompt = {
      '1': { class_type: 'Source', inputs: { value: 42 } },
      '2': { class_type: 'Slow', inputs: { x: ['1', 0], ms: 40, steps: 4 } },
      '3': { class_type: 'StubSaveImage', inputs: { x: ['2', 0], filenamePrefix: 'npm' } },
    };
    const result = await client.enqueue(prompt, { progress: ({ value }) => steps.push(value) });
    assert.deepEqual(steps, [1, 2, 3, 4]);
    assert.equal(result.images.length, 1);
    const image = result.images[0] as { type: string; data: string };
    assert.equal(image.type, 'url');
    assert.match(image.data, /\/view\?filename=npm_\d{5}_\.png&subfolder=&type=output$/);
    assert.deepEqual(await imageAt(image.data), { mime: 'image/png', width: 4, height: 4 });

    // The same prompt again is fully cached: the client still gets its result (ComfyUI execution.py keeps cached nodes' outputs).
    const cached = await client.enqueue(prompt, { timeout_ms: 10_000 });
    assert.equal(cached.images.length, 1);

    // Polling mode uses /history/{id} instead of the socket.
    const polled = await client.enqueue_polling({ ...prompt, '1': { class_type: 'Source', inputs: { value: 43 } } }, { polling_ms: 50, timeout_ms: 20_000 });
    assert.equal(polled.images.length, 1);

    // The programmable Workflow API builds API-format prompts from class names.
    const wf = new Workflow();
    const [value] = wf.node('Source', { value: 44 }) as Iterable<[string, number]>;
    wf.node('StubSaveImage', { x: value, filenamePrefix: 'wf' });
    const invoked = await wf.invoke(client);
    assert.equal(invoked.images.length, 1);

    const { Running, Pending } = await client.getQueue();
    assert.deepEqual([Running.length, Pending.length], [0, 0]);
    const history = await client.getHistory(10);
    assert.equal(history.History.length, 4);
    await client.interrupt();
    await client.free({ unload_models: true, free_memory: false });
    const defs = await client.getNodeDefs();
    assert.ok('Slow' in defs);
  } finally {
    client.close();
    await t.close();
  }
});

const repo = fileURLToPath(new URL('../..', import.meta.url));

test('tiny SD1.5 txt2img with a LoRA, driven by the npm client with ComfyUI node names', { timeout: 240_000 }, async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'loom-sd-client-'));
  const host = createHost({
    modelsDir: join(repo, 'models'),
    outputDir: join(scratch, 'out'),
    inputDir: join(scratch, 'in'),
    tempDir: join(scratch, 'temp'),
    device: 'cpu',
    threads: 2,
  });
  const server = await createServer({ host, dataDir: join(scratch, 'data'), templatesDir: join(scratch, 'graphs'), log: () => {} });
  const { url } = await server.listen(0);
  const client = clientFor(url, 'sd-client');
  try {
    await client.connect();
    assert.ok((await client.getSDModels()).includes('tiny-sd15'), 'pipelines are listed as checkpoints');
    const loras = await client.getLoRAs();
    assert.ok(loras.includes('tiny-sd15/pytorch_lora_weights_4.safetensors'), JSON.stringify(loras));
    assert.ok((await client.getSamplers()).includes('euler'));

    const txt2img = (strength: number) => {
      const wf = new Workflow();
      const { CheckpointLoaderSimple, LoraLoader, CLIPTextEncode, EmptyLatentImage, KSampler, VAEDecode, SaveImage } = wf.classes;
      const [model, clip, vae] = CheckpointLoaderSimple({ ckpt_name: 'tiny-sd15' });
      const [loraModel, loraClip] = LoraLoader({
        model: present(model),
        clip: present(clip),
        lora_name: 'tiny-sd15/pytorch_lora_weights_4.safetensors',
        strength_model: strength,
        strength_clip: strength,
      });
      const [positive] = CLIPTextEncode({ text: 'a lighthouse at dawn, (watercolor:1.2)', clip: present(loraClip) });
      const [negative] = CLIPTextEncode({ text: 'lowres, blurry', clip: present(loraClip) });
      const [latent_image] = EmptyLatentImage({ width: 64, height: 64, batch_size: 1 });
      const [samples] = KSampler({
        model: loraModel,
        positive,
        negative,
        latent_image,
        seed: 1234,
        steps: 4,
        cfg: 7,
        sampler_name: 'euler',
        scheduler: 'normal',
        denoise: 1,
      });
      const [images] = VAEDecode({ samples, vae });
      SaveImage({ images, filename_prefix: `lora_${strength}` });
      return wf;
    };

    const progress: string[] = [];
    const withLora = await txt2img(0.8).invoke(client, {
      progress: ({ value, max, node }: { value: number; max: number; node?: string }) => progress.push(`${node}:${value}/${max}`),
    });
    // Node "6" is the KSampler (the Workflow builder numbers nodes in creation order).
    assert.deepEqual(
      progress.filter((p) => p.startsWith('6:')),
      ['6:1/4', '6:2/4', '6:3/4', '6:4/4'],
      progress.join(' '),
    );
    // The client also collects the sampler's binary preview frames (type 1) as 'buff' images.
    const items = withLora.images as { type: string; data: unknown; mime?: string }[];
    const previews = items.filter((i) => i.type === 'buff');
    assert.equal(previews.length, 4, 'one preview per sampler step reached the client');
    assert.match(String(previews[0]?.mime), /^image\/(jpeg|png)$/);
    const urlWith = items.find((i) => i.type === 'url')?.data as string;
    assert.deepEqual(await imageAt(urlWith), { mime: 'image/png', width: 64, height: 64 });

    const without = await txt2img(0).invoke(client);
    const urlWithout = (without.images as { type: string; data: unknown }[]).find((i) => i.type === 'url')?.data as string;
    const [a, b] = await Promise.all([fetch(urlWith).then((r) => r.arrayBuffer()), fetch(urlWithout).then((r) => r.arrayBuffer())]);
    assert.notDeepEqual(Buffer.from(a), Buffer.from(b), 'the LoRA at 0.8 changes the image compared with strength 0');

    const history = (await client.getHistory(10)).History as {
      status: { status_str: string };
      outputs: Record<string, { images: { subfolder: string; type: string }[] }>;
    }[];
    assert.equal(history.length, 2);
    for (const entry of history) {
      assert.equal(entry.status.status_str, 'success');
      const saved = Object.values(entry.outputs).flatMap((o) => o.images ?? []);
      assert.equal(saved.length, 1);
      assert.equal(saved[0]?.type, 'output');
      assert.equal(typeof saved[0]?.subfolder, 'string');
    }
  } finally {
    client.close();
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  }
});
