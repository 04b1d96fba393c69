/**
 * ComfyUI's core nodes on the tiny SD1.5 pipeline: the inpainting chain (LoadImage's mask,
 * ImagePadForOutpaint, VAEEncodeForInpaint, SetLatentNoiseMask, RepeatLatentBatch) gives latents whose noise
 * mask is at latent size; conditioning nodes feed UNetSampler when they yield one entry and fail clearly
 * when combined; and every new node's widgets_values, as ComfyUI's frontend saves them, land on the right
 * parameters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { LoomError, comfyWorkflowToPrompt, registryWidgets, type Graph } from '@loom/engine';
import type { Latent, Mask } from '@loom/nodes';
import { tinyHost, txt2img } from './harness.ts';

const link = (node: string, output: string) => ({ node, output });

test('outpainting chain: pad, encode for inpaint, set a noise mask, repeat; masks follow the latent', async () => {
  const host = tinyHost();
  mkdirSync(host.config.inputDir, { recursive: true });
  // 48×48 RGBA whose left half is transparent: LoadImage's mask is 1 there.
  const rgba = Buffer.alloc(48 * 48 * 4);
  for (let p = 0; p < 48 * 48; p++) rgba.set([200, 100, 50, p % 48 < 24 ? 0 : 255], p * 4);
  writeFileSync(
    join(host.config.inputDir, 'half.png'),
    await sharp(rgba, { raw: { width: 48, height: 48, channels: 4 } })
      .png()
      .toBuffer(),
  );
  const graph: Graph = {
    version: 1,
    nodes: {
      loader: { type: 'ModelLoader', inputs: { pipeline: 'tiny-sd15' } },
      image: { type: 'LoadImage', inputs: { image: 'half.png' } },
      pad: { type: 'ImagePadForOutpaint', inputs: { images: link('image', 'images'), left: 16, top: 0, right: 0, bottom: 8, feathering: 8 } },
      encode: { type: 'VAEEncodeForInpaint', inputs: { images: link('pad', 'images'), vae: link('loader', 'vae'), mask: link('pad', 'mask'), growMaskBy: 6 } },
      masked: { type: 'SetLatentNoiseMask', inputs: { latent: link('encode', 'latent'), mask: link('image', 'mask') } },
      repeat: { type: 'RepeatLatentBatch', inputs: { latent: link('masked', 'latent'), amount: 2 } },
      decode: { type: 'VAEDecode', inputs: { vae: link('loader', 'vae'), latent: link('repeat', 'latent') } },
      preview: { type: 'PreviewImage', inputs: { images: link('decode', 'images') } },
    },
  };
  const { outputs } = await host.engine.run(graph);
  const mask = outputs.get('image')?.mask as Mask;
  assert.deepEqual(mask.shape, [1, 48, 48]);
  assert.deepEqual([mask.values[0], mask.values[47]], [1, 0], 'transparent (left) = 1');
  // 64×56 padded image → 8×7 latent; the pad mask is 1 over the 16 px on the left.
  const encoded = outputs.get('encode')?.latent as Latent;
  assert.deepEqual(encoded.shape, [1, 4, 7, 8]);
  assert.deepEqual(encoded.noiseMask?.shape, [1, 1, 7, 8]);
  assert.deepEqual([encoded.noiseMask?.values[0], encoded.noiseMask?.values[7]], [1, 0]);
  const repeated = outputs.get('repeat')?.latent as Latent;
  assert.deepEqual(
    [repeated.shape, repeated.noiseMask?.shape],
    [
      [2, 4, 7, 8],
      [2, 1, 7, 8],
    ],
  );
});

test('ConditioningAverage and ConditioningZeroOut feed UNetSampler; a combined conditioning is refused naming the fix', async () => {
  const host = tinyHost();
  const averaged = txt2img({ steps: 2 });
  averaged.nodes.other = { type: 'TextEncoder', inputs: { clip: link('loader', 'clip'), text: 'a cat' } };
  averaged.nodes.mix = {
    type: 'ConditioningAverage',
    inputs: { conditioningTo: link('positive', 'conditioning'), conditioningFrom: link('other', 'conditioning'), conditioningToStrength: 0.5 },
  };
  averaged.nodes.zero = { type: 'ConditioningZeroOut', inputs: { conditioning: link('negative', 'conditioning') } };
  averaged.nodes.sampler!.inputs.positive = link('mix', 'conditioning');
  averaged.nodes.sampler!.inputs.negative = link('zero', 'conditioning');
  const ran = await host.engine.run(averaged);
  assert.equal(ran.ui.save?.images?.length, 1);

  const combined = structuredClone(averaged);
  combined.nodes.mix = {
    type: 'ConditioningCombine',
    inputs: { conditioning1: link('positive', 'conditioning'), conditioning2: link('other', 'conditioning') },
  };
  await assert.rejects(
    host.engine.run(combined),
    (err: unknown) => err instanceof LoomError && err.nodeId === 'sampler' && /combined conditioning of 2 entries.*KSampler/.test(err.message),
  );
});

test("widgets_values as ComfyUI's frontend saves them map onto each new node's parameters", () => {
  const host = tinyHost();
  const cases: [string, unknown[], Record<string, unknown>][] = [
    ['LoraLoaderModelOnly', ['x.safetensors', 0.7], { lora_name: 'x.safetensors', strength_model: 0.7 }],
    ['ConditioningAverage', [0.25], { conditioning_to_strength: 0.25 }],
    ['ConditioningSetArea', [256, 128, 64, 32, 0.8], { width: 256, height: 128, x: 64, y: 32, strength: 0.8 }],
    ['ConditioningSetTimestepRange', [0.1, 0.9], { start: 0.1, end: 0.9 }],
    ['LatentUpscaleBy', ['bilinear', 2], { upscale_method: 'bilinear', scale_by: 2 }],
    ['RepeatLatentBatch', [3], { amount: 3 }],
    ['LatentFromBatch', [1, 2], { batch_index: 1, length: 2 }],
    ['ImageScaleBy', ['area', 0.5], { upscale_method: 'area', scale_by: 0.5 }],
    ['ImageScaleToTotalPixels', ['lanczos', 1.5, 8], { upscale_method: 'lanczos', megapixels: 1.5, resolution_steps: 8 }],
    ['ImageCrop', [100, 50, 10, 20], { width: 100, height: 50, x: 10, y: 20 }],
    ['EmptyImage', [64, 32, 2, 16711680], { width: 64, height: 32, batch_size: 2, color: 16711680 }],
    ['LoadImageMask', ['m.png', 'red', 'image'], { image: 'm.png', channel: 'red' }],
    ['VAEEncodeForInpaint', [12], { grow_mask_by: 12 }],
    ['ImagePadForOutpaint', [8, 16, 24, 32, 10], { left: 8, top: 16, right: 24, bottom: 32, feathering: 10 }],
  ];
  const widgets = registryWidgets(host.registry, host.comfyMap);
  for (const [type, values, expected] of cases) {
    const { prompt } = comfyWorkflowToPrompt({ nodes: [{ id: 1, type, widgets_values: values }], links: [] }, widgets);
    assert.deepEqual(prompt['1']?.inputs, expected, type);
  }
});
