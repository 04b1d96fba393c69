/**
 * ComfyUI prompts naming checkpoint files (issue 15): a `.safetensors` single file with a LoRA runs
 * through the server (built on first use); a bad checkpoint (hostile pickle, truncated, unknown
 * architecture) is refused with HTTP 400 and a node error naming the file and cause, before it is
 * queued, and the queue goes on. Real node pack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createServer } from '../../packages/server/src/create-server.ts';
import { createHost } from '../../packages/server/src/host.ts';
import { api } from './helpers/test-server.ts';
import { comfyTxt2img } from './helpers/comfy-run.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const MARKER = '/tmp/loom-hostile-pickle-executed';

const txt2img = (ckpt: string) => comfyTxt2img({ ckpt, positive: 'a lighthouse', prefix: 'ckpt' });

test('bad checkpoints are HTTP 400 naming node, file and cause; listed checkpoints; the queue goes on', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'loom-ckpt-server-'));
  const models = join(scratch, 'models');
  mkdirSync(join(models, 'checkpoints'), { recursive: true });
  for (const f of ['hostile.ckpt', 'truncated.safetensors']) cpSync(join(repo, 'test/fixtures/checkpoints/bad', f), join(models, 'checkpoints', f));
  const json = JSON.stringify({ 'encoder.layer.0.weight': { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }).padEnd(72, ' ');
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(join(models, 'checkpoints', 'mystery.safetensors'), Buffer.concat([size, Buffer.from(json), Buffer.alloc(8)]));
  const host = createHost({
    modelsDir: models,
    outputDir: join(scratch, 'out'),
    inputDir: join(scratch, 'in'),
    tempDir: join(scratch, 'temp'),
    device: 'cpu',
    threads: 1,
  });
  const server = await createServer({ host, dataDir: join(scratch, 'data'), templatesDir: join(scratch, 'graphs'), log: () => {} });
  const { url } = await server.listen(0);
  try {
    const info = (await api(url, '/object_info/CheckpointLoaderSimple')).body as Record<string, { input: { required: { ckpt_name: [string[]] } } }>;
    assert.deepEqual(info.CheckpointLoaderSimple?.input.required.ckpt_name[0], ['hostile.ckpt', 'mystery.safetensors', 'truncated.safetensors']);

    rmSync(MARKER, { force: true });
    for (const [ckpt, cause] of [
      ['hostile.ckpt', /hostile\.ckpt: refused to load: the pickle asks for "posix\.system"/],
      ['truncated.safetensors', /truncated\.safetensors: truncated/],
      ['mystery.safetensors', /mystery\.safetensors: not an SD1\.x or SDXL checkpoint/],
    ] as const) {
      const res = await api(url, '/prompt', { json: { prompt: txt2img(ckpt) } });
      assert.equal(res.status, 400, ckpt);
      const body = res.body as {
        error: { type: string };
        node_errors: Record<string, { class_type: string; errors: { type: string; details: string; extra_info: { input_name: string } }[] }>;
      };
      assert.equal(body.error.type, 'prompt_outputs_failed_validation');
      const node = body.node_errors['4'];
      assert.equal(node?.class_type, 'CheckpointLoaderSimple');
      assert.equal(node?.errors[0]?.extra_info.input_name, 'ckpt_name');
      assert.match(node?.errors[0]?.details ?? '', cause);
    }
    assert.equal(existsSync(MARKER), false, 'nothing from the pickle ran');
    assert.deepEqual((await api(url, '/queue')).body, { queue_running: [], queue_pending: [] }, 'nothing was queued');

    const ok = await api(url, '/prompt', {
      json: { prompt: { '1': { class_type: 'String', inputs: { value: 'still here' } }, '2': { class_type: 'ShowText', inputs: { text: ['1', 0] } } } },
    });
    assert.equal(ok.status, 200);
    const id = (ok.body as { prompt_id: string }).prompt_id;
    for (let i = 0; i < 100 && !((await api(url, `/history/${id}`)).body as Record<string, unknown>)[id]; i++) await new Promise((r) => setTimeout(r, 50));
    const entry = ((await api(url, `/history/${id}`)).body as Record<string, { status: { status_str: string } }>)[id];
    assert.equal(entry?.status.status_str, 'success');
  } finally {
    await server.close();
  }
});

/** The prompt with a LoraLoader between the checkpoint and its users (ComfyUI's default LoRA workflow). */
function withLora(ckpt: string, lora: string, strength: number): ReturnType<typeof txt2img> {
  const prompt = txt2img(ckpt);
  prompt['10'] = { class_type: 'LoraLoader', inputs: { lora_name: lora, strength_model: strength, strength_clip: strength, model: ['4', 0], clip: ['4', 1] } };
  prompt['6']!.inputs.clip = ['10', 1];
  prompt['7']!.inputs.clip = ['10', 1];
  prompt['3']!.inputs.model = ['10', 0];
  return prompt;
}

test(
  'CheckpointLoaderSimple + LoraLoader on a .safetensors checkpoint runs through the server; the LoRA changes the picture',
  { timeout: 120_000 },
  async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'loom-ckpt-lora-'));
    const models = join(scratch, 'models');
    for (const f of ['tiny-sd15.safetensors', 'tiny-sd15.yaml', 'tiny-sd15.tokenizer'])
      cpSync(join(repo, 'test/fixtures/checkpoints', f), join(models, 'checkpoints', f), { recursive: true });
    cpSync(join(repo, 'models/loras/tiny-sd15'), join(models, 'loras', 'tiny-sd15'), { recursive: true });
    const outputDir = join(scratch, 'out');
    const host = createHost({ modelsDir: models, outputDir, inputDir: join(scratch, 'in'), tempDir: join(scratch, 'temp'), device: 'cpu', threads: 1 });
    const server = await createServer({ host, dataDir: join(scratch, 'data'), templatesDir: join(scratch, 'graphs'), log: () => {} });
    const { url } = await server.listen(0);
    const run = async (strength: number): Promise<Buffer> => {
      const res = await api(url, '/prompt', { json: { prompt: withLora('tiny-sd15.safetensors', 'tiny-sd15/pytorch_lora_weights_4.safetensors', strength) } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const id = (res.body as { prompt_id: string }).prompt_id;
      type Entry = { status: { status_str: string; messages: unknown[] }; outputs: Record<string, { images: { filename: string; subfolder: string }[] }> };
      let entry: Entry | undefined;
      for (let i = 0; i < 1200 && !entry; i++) {
        entry = ((await api(url, `/history/${id}`)).body as Record<string, Entry>)[id];
        if (!entry) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(entry?.status.status_str, 'success', JSON.stringify(entry?.status.messages));
      const image = entry.outputs['9']?.images[0];
      assert.ok(image, 'SaveImage reported its file');
      // pixels, not PNG bytes: the embedded prompt differs with the strength anyway
      return sharp(readFileSync(join(outputDir, image.subfolder, image.filename)))
        .raw()
        .toBuffer();
    };
    try {
      const withLoraPixels = await run(1);
      const withoutPixels = await run(0);
      assert.equal(readdirSync(join(models, '.loom', 'built')).length, 1, 'built once, reused by the second prompt');
      assert.equal(withLoraPixels.length, 64 * 64 * 3);
      assert.ok(!withLoraPixels.equals(withoutPixels), 'strength 1 and 0 give different pictures');
    } finally {
      await server.close();
    }
  },
);
