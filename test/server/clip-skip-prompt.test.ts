/**
 * CLIPSetLastLayer in a ComfyUI API prompt (issue 16): -2 on a checkpoint changes the image that
 * CLIPTextEncode conditions; on an export without hidden states the
 * prompt fails naming the cause, and the queue goes on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '../../packages/server/src/create-server.ts';
import { createHost } from '../../packages/server/src/host.ts';
import { api } from './helpers/test-server.ts';
import { comfyTxt2img, runPrompt, savedImage, type HistoryEntry } from './helpers/comfy-run.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

const txt2img = (ckpt: string, stop: number) =>
  comfyTxt2img({
    ckpt,
    clip: ['10', 0],
    prefix: `skip${-stop}`,
    extra: { '10': { class_type: 'CLIPSetLastLayer', inputs: { clip: ['4', 1], stop_at_clip_layer: stop } } },
  });

test('CLIPSetLastLayer -2 conditions CLIPTextEncode on the penultimate layer; refused clearly on an export without hidden states', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'loom-clip-skip-server-'));
  const models = join(scratch, 'models');
  mkdirSync(join(models, 'checkpoints'), { recursive: true });
  for (const f of ['tiny-sd15.safetensors', 'tiny-sd15.yaml', 'tiny-sd15.tokenizer'])
    cpSync(join(repo, 'test/fixtures/checkpoints', f), join(models, 'checkpoints', f), { recursive: true });
  cpSync(join(repo, 'models/tiny-sd15'), join(models, 'tiny-sd15'), { recursive: true });
  const outputDir = join(scratch, 'out');
  const host = createHost({ modelsDir: models, outputDir, inputDir: join(scratch, 'in'), tempDir: join(scratch, 'temp'), device: 'cpu', threads: 1 });
  const server = await createServer({ host, dataDir: join(scratch, 'data'), templatesDir: join(scratch, 'graphs'), log: () => {} });
  const { url } = await server.listen(0);
  const run = (prompt: object): Promise<HistoryEntry> => runPrompt(url, prompt);
  const image = (e: HistoryEntry): Buffer => savedImage(outputDir, e, '9');
  try {
    const info = (await api(url, '/object_info/CLIPSetLastLayer')).body as Record<string, { input: { required: Record<string, unknown> } }>;
    assert.deepEqual(Object.keys(info.CLIPSetLastLayer?.input.required ?? {}).sort(), ['clip', 'stop_at_clip_layer']);

    const last = await run(txt2img('tiny-sd15.safetensors', -1));
    const penultimate = await run(txt2img('tiny-sd15.safetensors', -2));
    assert.equal(last.status.status_str, 'success');
    assert.equal(penultimate.status.status_str, 'success');
    assert.notDeepEqual(image(penultimate), image(last));

    const failed = await run(txt2img('tiny-sd15', -2));
    assert.equal(failed.status.status_str, 'error');
    assert.match(JSON.stringify(failed.status.messages), /has no hidden_states\.N outputs; CLIP skip 2 needs them/);

    const again = await run(txt2img('tiny-sd15', -1));
    assert.equal(again.status.status_str, 'success', 'the queue goes on');
  } finally {
    await server.close();
  }
});
