/**
 * VAELoader in a ComfyUI API prompt (issue 16): object_info lists models/vae, a standalone VAE file
 * decodes the checkpoint's latents (same weights as the pipeline's VAE: the same image), and a missing
 * file fails naming it while the queue goes on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createServer } from '../../packages/server/src/create-server.ts';
import { createHost } from '../../packages/server/src/host.ts';
import { api } from './helpers/test-server.ts';
import { comfyTxt2img, type HistoryEntry as Entry, type Txt2imgOptions } from './helpers/comfy-run.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const VAE_FILE = 'tiny-sd15/diffusion_pytorch_model.safetensors';

const txt2img = (vae: [string, number], prefix: string, extra: Txt2imgOptions['extra'] = {}) => comfyTxt2img({ vae, prefix, extra });

test('VAELoader decodes with a standalone VAE file; the same weights give the same image; a missing file is a clear error', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'loom-vae-server-'));
  const models = join(scratch, 'models');
  mkdirSync(join(models, 'vae', 'tiny-sd15'), { recursive: true });
  for (const f of ['config.json', 'diffusion_pytorch_model.safetensors'])
    cpSync(join(repo, 'test/fixtures/builder/tiny-sd15/vae', f), join(models, 'vae', 'tiny-sd15', f));
  cpSync(join(repo, 'models/tiny-sd15'), join(models, 'tiny-sd15'), { recursive: true });
  const outputDir = join(scratch, 'out');
  const host = createHost({ modelsDir: models, outputDir, inputDir: join(scratch, 'in'), tempDir: join(scratch, 'temp'), device: 'cpu', threads: 1 });
  const server = await createServer({ host, dataDir: join(scratch, 'data'), templatesDir: join(scratch, 'graphs'), log: () => {} });
  const { url } = await server.listen(0);
  const run = async (prompt: object): Promise<{ status: number; entry?: Entry; body: unknown }> => {
    const res = await api(url, '/prompt', { json: { prompt } });
    if (res.status !== 200) return { status: res.status, body: res.body };
    const id = (res.body as { prompt_id: string }).prompt_id;
    for (let i = 0; i < 1200 && !((await api(url, `/history/${id}`)).body as Record<string, unknown>)[id]; i++) await new Promise((r) => setTimeout(r, 50));
    return { status: 200, body: res.body, entry: ((await api(url, `/history/${id}`)).body as Record<string, Entry>)[id]! };
  };
  const pixels = async (e: Entry | undefined): Promise<Buffer> => {
    const img = e?.outputs['9']?.images?.[0];
    assert.ok(img, 'an image was saved');
    return sharp(join(outputDir, img.subfolder, img.filename))
      .raw()
      .toBuffer();
  };
  try {
    const info = (await api(url, '/object_info/VAELoader')).body as Record<string, { input: { required: { vae_name: [string[]] } } }>;
    assert.ok(info.VAELoader?.input.required.vae_name[0].includes(VAE_FILE), JSON.stringify(info));

    const own = await run(txt2img(['4', 2], 'own'));
    const file = await run(txt2img(['10', 0], 'file', { '10': { class_type: 'VAELoader', inputs: { vae_name: VAE_FILE } } }));
    assert.equal(own.entry?.status.status_str, 'success');
    assert.equal(file.entry?.status.status_str, 'success', JSON.stringify(file.entry?.status.messages));
    const [a, b] = [await pixels(own.entry), await pixels(file.entry)];
    let worst = 0;
    a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[i]!))));
    assert.ok(worst <= 1, `8-bit pixels differ by at most one rounding step (max ${worst})`);

    const missing = await run(txt2img(['10', 0], 'missing', { '10': { class_type: 'VAELoader', inputs: { vae_name: 'nope.safetensors' } } }));
    assert.match(JSON.stringify(missing.entry?.status.messages ?? missing.body), /nope\.safetensors/);
    const again = await run(txt2img(['4', 2], 'again'));
    assert.equal(again.entry?.status.status_str, 'success', 'the queue goes on');
  } finally {
    await server.close();
  }
});
