/**
 * The checker's CLIP preprocessing against the torch reference inputs (tools/tiny-sd references.py
 * builds `clip_input` from 224×224 float images: a solid (0.9, 0.3, 0.2) and a split red|gray image,
 * normalised with CLIP's mean and std) and the transformers resize/crop arithmetic done by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { imageOf } from '@loom/nodes';
import { clipInput, readPreprocessorConfig, shortestSideSize } from '../../packages/nodes/src/sd/safety/preprocess.ts';
import { readSafetensors, toFloat32 } from '../helpers/safetensors-lite.ts';
import { modelsDir, root } from './helpers/host.ts';

test('shortest side to 224, long side int(224·long/short) (transformers get_resize_output_image_size)', () => {
  assert.deepEqual(shortestSideSize(64, 96, 224), { width: 224, height: 336 });
  assert.deepEqual(shortestSideSize(512, 384, 224), { width: 298, height: 224 }); // 224·512/384 = 298.67
  assert.deepEqual(shortestSideSize(100, 300, 224), { width: 224, height: 672 });
  assert.deepEqual(shortestSideSize(224, 224, 224), { width: 224, height: 224 });
});

test('preprocessor_config.json is read as transformers reads it', async () => {
  const config = await readPreprocessorConfig(join(modelsDir, 'safety_checker/preprocessor_config.json'));
  assert.equal(config.size, 224);
  assert.deepEqual(config.crop, { height: 224, width: 224 });
  assert.equal(config.kernel, 'cubic', 'resample 3 is PIL BICUBIC');
  assert.deepEqual(config.std, [0.26862954, 0.26130258, 0.27577711]);
});

test('clip_input equals the torch reference up to the 8-bit rounding diffusers applies first', async () => {
  const inputs = readSafetensors(join(root, 'test/fixtures/reference/tiny-sd15-script/inputs.safetensors'));
  const reference = toFloat32(inputs.tensors.get('safety_checker.clip_input')!);
  const config = await readPreprocessorConfig(join(modelsDir, 'safety_checker/preprocessor_config.json'));
  const size = 224;
  const solid = new Float32Array(size * size * 3);
  const split = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = (y * size + x) * 3;
      solid.set([0.9, 0.3, 0.2], p);
      split.set(x < 96 ? [1, 0, 0] : [0.5, 0.5, 0.5], p);
    }
  }
  const batch = imageOf(new Float32Array([...solid, ...split]), [2, size, size, 3]);
  // numpy_to_pil rounds to 8 bits: at most half a level, divided by the smallest std.
  const tolerance = 0.5 / 255 / 0.26130258 + 1e-6;
  for (const index of [0, 1]) {
    const { data, height, width } = await clipInput(batch, index, config);
    assert.deepEqual([height, width], [224, 224]);
    const expected = reference.subarray(index * data.length, (index + 1) * data.length);
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs((data[i] as number) - (expected[i] as number)));
    assert.ok(worst <= tolerance, `image ${index}: max difference ${worst} > ${tolerance}`);
  }
});
