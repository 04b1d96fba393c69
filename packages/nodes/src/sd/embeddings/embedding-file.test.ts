import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoomError } from '@loom/engine';
import { writeSafetensors } from '../../safetensors/test-writer.ts';
import { readEmbeddingFile } from './embedding-file.ts';
import { a1111EmbeddingFiles, findComfyEmbedding, listEmbeddingNames } from './embedding-folder.ts';

const REPO = fileURLToPath(new URL('../../../../../', import.meta.url));
const FIXTURES = join(REPO, 'test/fixtures/embeddings');
/** sha256 of each fixture, recorded by the generator (tools/tiny-sd/manifest.json). */
const manifest = (JSON.parse(readFileSync(join(REPO, 'tools/tiny-sd/manifest.json'), 'utf8')) as { files: Record<string, { sha256: string }> }).files;

test("every layout reads with its vector count and width, and A1111's short hash of the file", async () => {
  const cases = [
    ['sd15/tinycat.pt', 'single', 2, 32], // A1111 .pt: string_to_param {"*": …} beside name/step/sd_checkpoint
    ['sd15/tinystyle.safetensors', 'single', 3, 32], // A1111 .safetensors: emb_params
    ['sd15/learned_embeds.bin', 'single', 1, 32], // diffusers pickle, one 1-D vector
    ['sd15/concept.safetensors', 'single', 1, 32], // diffusers safetensors
    ['sdxl/tinyxl.safetensors', 'clip_l', 2, 32],
    ['sdxl/tinyxl.safetensors', 'clip_g', 2, 48],
  ] as const;
  for (const [file, part, rows, width] of cases) {
    const e = await readEmbeddingFile(join(FIXTURES, file));
    const v = e.parts.get(part);
    assert.ok(v, `${file} ${part}`);
    assert.deepEqual([e.rows, v.rows, v.width, v.data.length], [rows, rows, width, rows * width], file);
    assert.ok(v.data.every(Number.isFinite) && v.data.some((x) => x !== 0), file);
    assert.equal(e.shortHash, manifest[`test/fixtures/embeddings/${file}`]!.sha256.slice(0, 12), file);
  }
});

test('a hostile pickle named like an embedding is refused without running anything', async () => {
  const marker = '/tmp/loom-hostile-pickle-executed'; // what the fixture's command would write (tools/tiny-sd/loom_tiny_sd/checkpoints.py)
  const dir = mkdtempSync(join(tmpdir(), 'loom-evil-embedding-'));
  cpSync(join(REPO, 'test/fixtures/checkpoints/bad/hostile.ckpt'), join(dir, 'evil.pt'));
  await assert.rejects(readEmbeddingFile(join(dir, 'evil.pt')), (err: unknown) => {
    assert.ok(err instanceof LoomError && err.code === 'BAD_FILE', String(err));
    assert.match(err.message, /evil\.pt.*posix\.system/s);
    return true;
  });
  assert.equal(existsSync(marker), false);
});

test('files that are not embeddings name their tensors; SDXL files need both parts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-not-embedding-'));
  const t = { shape: [1, 4], data: new Float32Array(4) };
  writeSafetensors(join(dir, 'two.safetensors'), { a: t, b: t });
  await assert.rejects(readEmbeddingFile(join(dir, 'two.safetensors')), /two\.safetensors is not a textual-inversion embedding .* 2 tensors: a, b/);
  writeSafetensors(join(dir, 'half.safetensors'), { clip_g: t });
  await assert.rejects(readEmbeddingFile(join(dir, 'half.safetensors')), /needs both clip_l and clip_g/);
});

test('the folder: ComfyUI names with or without extension and in subfolders, A1111 stems, /embeddings without extensions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-embeddings-dir-'));
  cpSync(join(FIXTURES, 'sd15'), dir, { recursive: true });
  mkdirSync(join(dir, 'xl'));
  cpSync(join(FIXTURES, 'sdxl/tinyxl.safetensors'), join(dir, 'xl/tinyxl.safetensors'));
  assert.equal(await findComfyEmbedding(dir, 'tinycat'), join(dir, 'tinycat.pt'));
  assert.equal(await findComfyEmbedding(dir, 'tinycat.pt'), join(dir, 'tinycat.pt'));
  assert.equal(await findComfyEmbedding(dir, 'xl/tinyxl'), join(dir, 'xl/tinyxl.safetensors'));
  assert.equal(await findComfyEmbedding(dir, 'tinyxl'), join(dir, 'xl/tinyxl.safetensors'), 'ComfyUI searches every subfolder');
  assert.equal(await findComfyEmbedding(dir, 'TinyCat'), undefined, 'the file system decides case, as in ComfyUI on Linux');
  assert.equal(await findComfyEmbedding(dir, '../sd15/tinycat'), undefined, 'never outside the folder');
  assert.deepEqual([...(await a1111EmbeddingFiles(dir)).keys()].sort(), ['concept', 'learned_embeds', 'tinycat', 'tinystyle', 'tinyxl', 'wide']);
  assert.deepEqual(await listEmbeddingNames(dir), ['concept', 'learned_embeds', 'tinycat', 'tinystyle', 'wide', 'xl/tinyxl']);
});
