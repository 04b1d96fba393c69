/**
 * Textual-inversion embeddings through the server's ComfyUI API (issue 16): `/embeddings` lists the files as
 * ComfyUI does, a `/prompt` whose CLIPTextEncode says `(embedding:Name:1.2)` renders with the embedding and its
 * PNG names it with its hash, a missing name warns and renders as text, and a wrong-width embedding fails the
 * prompt with the file and widths while the queue goes on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readPngText } from '@loom/nodes';
import { createServer } from '../../packages/server/src/create-server.ts';
import { createHost } from '../../packages/server/src/host.ts';
import { embeddingModels } from '../embeddings/harness.ts';
import { api } from './helpers/test-server.ts';
import { comfyTxt2img, runPrompt, savedImage, type HistoryEntry } from './helpers/comfy-run.ts';

const txt2img = (positive: string, negative: string, prefix: string) => comfyTxt2img({ positive, negative, prefix, seed: 3 });

test('ComfyUI API: /embeddings lists the files; embedding:Name in CLIPTextEncode renders, is hashed in the PNG, and bad ones fail clearly', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'loom-ti-server-'));
  const outputDir = join(scratch, 'out');
  const host = createHost({
    modelsDir: embeddingModels(),
    outputDir,
    inputDir: join(scratch, 'in'),
    tempDir: join(scratch, 'temp'),
    device: 'cpu',
    threads: 1,
  });
  const server = await createServer({ host, dataDir: join(scratch, 'data'), templatesDir: join(scratch, 'graphs'), log: () => {} });
  const { url } = await server.listen(0);
  const run = (prompt: object): Promise<HistoryEntry> => runPrompt(url, prompt);
  const png = (e: HistoryEntry): Buffer => savedImage(outputDir, e, '9');
  try {
    assert.deepEqual((await api(url, '/embeddings')).body, ['concept', 'learned_embeds', 'tinycat', 'tinystyle', 'wide', 'xl/tinyxl']);

    const withTi = await run(txt2img('a (embedding:tinycat:1.2) cat', 'embedding:tinystyle, blurry', 'ti'));
    assert.equal(withTi.status.status_str, 'success', JSON.stringify(withTi.status));
    assert.match(readPngText(png(withTi)).parameters!, /TI hashes: "tinycat: 9b30ae359997, tinystyle: bc1a0c8af655"/);
    const asText = await run(txt2img('a (tinycat:1.2) cat', 'tinystyle, blurry', 'text'));
    assert.notDeepEqual(png(asText), png(withTi), 'CLIPTextEncode reads bare words as text (ComfyUI)');

    const missing = await run(txt2img('a embedding:nosuch cat', '', 'missing'));
    assert.equal(missing.status.status_str, 'success', 'a missing name renders as text');

    const wrong = await run(txt2img('a embedding:xl/tinyxl cat', '', 'wrong'));
    assert.equal(wrong.status.status_str, 'error');
    assert.match(JSON.stringify(wrong.status.messages), /tinyxl\.safetensors holds an SDXL embedding \(clip_l 32-wide, clip_g 48-wide\)/);

    const again = await run(txt2img('a embedding:concept cat', '', 'again'));
    assert.equal(again.status.status_str, 'success', 'the queue goes on');
  } finally {
    await server.close();
  }
});
