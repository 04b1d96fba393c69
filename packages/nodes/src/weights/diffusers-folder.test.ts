import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoomError } from '@loom/engine';
import { writeSafetensors } from '../safetensors/test-writer.ts';
import { isDiffusersFolder, loadDiffusersFolder } from './diffusers-folder.ts';
import { openWeightFile } from './open-weight-file.ts';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/checkpoints/', import.meta.url));

function copyOfSd15(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'loom-diffusers-')), 'pipe');
  cpSync(join(FIXTURES, 'tiny-sd15-diffusers'), dir, { recursive: true });
  return dir;
}

test('sharded weights (model-0000N-of-0000M.safetensors + index.json) read as one component', async () => {
  const dir = copyOfSd15();
  const whole = await openWeightFile(join(dir, 'text_encoder/model.safetensors'));
  const names = whole.names().filter((n) => whole.info(n)!.dtype === 'F32');
  const half = Math.ceil(names.length / 2);
  const shards = [names.slice(0, half), names.slice(half)];
  const weightMap: Record<string, string> = {};
  for (const [i, part] of shards.entries()) {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    const tensors: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
    for (const n of part) {
      tensors[n] = { shape: whole.info(n)!.shape, data: await whole.readFloat32(n) };
      weightMap[n] = file;
    }
    writeSafetensors(join(dir, 'text_encoder', file), tensors);
  }
  rmSync(join(dir, 'text_encoder/model.safetensors'));
  writeFileSync(join(dir, 'text_encoder/model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  const c = await loadDiffusersFolder(dir);
  try {
    assert.deepEqual(c.textEncoder.weights.names().sort(), [...names].sort());
    for (const n of names) assert.deepEqual(await c.textEncoder.weights.readFloat32(n), await whole.readFloat32(n), n);
  } finally {
    await whole.close();
    for (const x of [c.unet, c.vae, c.textEncoder]) await x.weights.close();
  }
});

test('a component without weights is MODEL_NOT_FOUND naming the folder and the names looked for; ONNX folders are not diffusers folders', async () => {
  const dir = copyOfSd15();
  assert.equal(await isDiffusersFolder(dir), true);
  assert.equal(await isDiffusersFolder(fileURLToPath(new URL('../../../../models/tiny-sd15', import.meta.url))), false);
  rmSync(join(dir, 'vae/diffusion_pytorch_model.safetensors'));
  await assert.rejects(loadDiffusersFolder(dir), (err: unknown) => {
    assert.ok(err instanceof LoomError);
    assert.equal(err.code, 'MODEL_NOT_FOUND');
    assert.match(err.message, /pipe\/vae has no weights \(diffusion_pytorch_model\.safetensors, \.bin, their fp16 variants/);
    return true;
  });
});
