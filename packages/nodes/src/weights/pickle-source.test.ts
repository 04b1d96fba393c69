import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoomError } from '@loom/engine';
import { writeSafetensors } from '../safetensors/test-writer.ts';
import { openWeightFile } from './open-weight-file.ts';
import type { WeightSource } from './weight-source.ts';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/checkpoints/', import.meta.url));
/** The hostile fixtures' command writes this file if it ever runs (tools/tiny-sd/loom_tiny_sd/checkpoints.py). */
const MARKER = '/tmp/loom-hostile-pickle-executed';

async function withSource<T>(file: string, fn: (s: WeightSource) => Promise<T>): Promise<T> {
  const s = await openWeightFile(join(FIXTURES, file));
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

const badFile =
  (pattern: RegExp) =>
  (err: unknown): boolean => {
    assert.ok(err instanceof LoomError, String(err));
    assert.equal(err.code, 'BAD_FILE');
    assert.match(err.message, pattern);
    return true;
  };

test('zip .ckpt: the state dict under "state_dict", F16 bytes equal to the same weights saved as safetensors', async () => {
  await withSource('tiny-sd15.safetensors', async (st) => {
    await withSource('tiny-sd15-ema.ckpt', async (ckpt) => {
      const unet = st.names().filter((n) => n.startsWith('model.diffusion_model.'));
      assert.equal(unet.length, 208);
      for (const name of unet) {
        assert.deepEqual(ckpt.info(name), st.info(name), name);
        assert.deepEqual(await ckpt.readBytes(name), await st.readBytes(name), name);
      }
      // the EMA shadows are there too, under LitEma's dot-less names
      assert.deepEqual(ckpt.info('model_ema.diffusion_modelinput_blocks00weight')?.shape, [16, 4, 3, 3]);
      // the text encoder is F32 in the .ckpt and F16 in the .safetensors: same values up to F16 rounding
      const name = 'cond_stage_model.transformer.text_model.encoder.layers.0.mlp.fc1.weight';
      assert.equal(ckpt.info(name)?.dtype, 'F32');
      const [a, b] = [await ckpt.readFloat32(name), await st.readFloat32(name)];
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= Math.abs(a[i]!) * 2 ** -11 + 2 ** -24, `${name}[${i}]`);
    });
  });
});

test('legacy (non-zip) torch.save: storages located after the pickles, values equal to the safetensors copy', async () => {
  await withSource('tiny-sd15.safetensors', async (st) => {
    await withSource('tiny-sd15-vae-legacy.pt', async (legacy) => {
      assert.equal(legacy.names().length, 184);
      for (const name of legacy.names()) {
        assert.deepEqual(await legacy.readBytes(name), await st.readBytes(`first_stage_model.${name}`), name);
      }
    });
  });
});

test('transformers pytorch_model.bin with an int64 buffer', async () => {
  await withSource('tiny-sdxl-diffusers/text_encoder_2/pytorch_model.bin', async (bin) => {
    assert.deepEqual(bin.info('text_model.embeddings.position_ids'), { name: 'text_model.embeddings.position_ids', dtype: 'I64', shape: [1, 77] });
    const ids = new BigInt64Array((await bin.readBytes('text_model.embeddings.position_ids')).buffer);
    assert.deepEqual([...ids.slice(0, 3), ids[76]], [0n, 1n, 2n, 76n]);
    await assert.rejects(bin.readFloat32('text_model.embeddings.position_ids'), badFile(/stored as I64/));
    assert.deepEqual(bin.info('text_projection.weight')?.shape, [48, 48]);
  });
});

for (const [file, global] of [
  ['bad/hostile.ckpt', 'posix.system'],
  ['bad/hostile-legacy.pt', 'posix.system'],
  ['bad/hostile-eval.pkl', '__builtin__.eval'],
] as const) {
  test(`hostile pickle ${file} is refused naming ${global}; nothing runs`, async () => {
    rmSync(MARKER, { force: true });
    await assert.rejects(
      openWeightFile(join(FIXTURES, file)),
      badFile(new RegExp(`${file.replace('.', '\\.')}.*refused to load.*"${global.replace('.', '\\.')}"`)),
    );
    assert.equal(existsSync(MARKER), false, 'the payload ran');
  });
}

test('truncated files are BAD_FILE naming the file', async () => {
  await assert.rejects(openWeightFile(join(FIXTURES, 'bad/truncated.ckpt')), badFile(/truncated\.ckpt.*truncated or damaged/));
  await assert.rejects(openWeightFile(join(FIXTURES, 'bad/truncated.safetensors')), badFile(/truncated\.safetensors.*truncated/));
});

test('a pickle rebuilding a tensor from something other than a storage is BAD_FILE naming the file', async () => {
  // Protocol 2 by hand: torch._utils._rebuild_tensor_v2(None, 0, (2,), (1,)), then STOP.
  const path = join(mkdtempSync(join(tmpdir(), 'loom-pickle-')), 'damaged.pt');
  writeFileSync(path, Buffer.from('\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(NK\x00K\x02\x85K\x01\x85tR.', 'latin1'));
  await assert.rejects(openWeightFile(path), badFile(/damaged\.pt: a tensor refers to something that is not a storage/));
});

test('a weight stored in an integer dtype is BAD_FILE when read as a float', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-dtype-'));
  const path = join(dir, 'ints.safetensors');
  writeSafetensors(path, { w: { shape: [2], data: new Uint16Array([1, 2]), dtype: 'BF16' } });
  const s = await openWeightFile(path);
  assert.deepEqual([...(await s.readFloat32('w'))], [9.183549615799121e-41, 1.8367099231598242e-40]);
  await s.close();
  // hand-made I32 header: the reader lists it, and refuses it as a weight
  const json = JSON.stringify({ w: { dtype: 'I32', shape: [2], data_offsets: [0, 8] } }).padEnd(64, ' ');
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(join(dir, 'i32.safetensors'), Buffer.concat([head, Buffer.from(json), Buffer.alloc(8)]));
  const i32 = await openWeightFile(join(dir, 'i32.safetensors'));
  await assert.rejects(i32.readFloat32('w'), badFile(/i32\.safetensors.*"w" is stored as I32/));
  await i32.close();
  await assert.rejects(openWeightFile(join(dir, 'model.gguf')), (e: unknown) => e instanceof LoomError && e.code === 'UNSUPPORTED_MODEL');
});

test('views torch saved without copying (a transpose, a row at a storage offset) read as .contiguous() would; numpy/torch metadata beside them is accepted as data', async () => {
  await withSource('strided.ckpt', async (s) => {
    const values = async (name: string) => [...(await s.readFloat32(name))];
    assert.deepEqual(s.info('transposed')?.shape, [4, 3]);
    assert.deepEqual(await values('transposed'), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    assert.deepEqual(await values('row'), [4, 5, 6, 7]);
    assert.deepEqual(await values('whole'), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});
