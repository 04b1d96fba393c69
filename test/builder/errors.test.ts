/** Weights or configs the builder cannot build are refused with a message naming the file, the tensor or field, and the fix. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUnet, buildVaeDecoder } from '../../packages/nodes/src/builder/index.ts';
import type { WeightSource } from '../../packages/nodes/src/weights/weight-source.ts';
import { fixtureComponent } from './harness.ts';

/** `source` without `drop`, and with `reshape`d headers. */
function edited(source: WeightSource, drop: string, reshape: Record<string, number[]> = {}): WeightSource {
  return {
    ...source,
    names: () => source.names().filter((n) => n !== drop),
    info: (name) => {
      if (name === drop) return undefined;
      const i = source.info(name);
      return i && reshape[name] ? { ...i, shape: reshape[name]! } : i;
    },
  };
}

test('a missing tensor names the file, the component and the tensor', async () => {
  const { config, weights } = await fixtureComponent('tiny-sd15/unet');
  const name = 'down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight';
  assert.throws(
    () => buildUnet(config, edited(weights, name)),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'UNSUPPORTED_MODEL');
      assert.match(err.message, new RegExp(`${weights.origin.replaceAll('.', '\\.')}: the unet has no tensor "${name.replaceAll('.', '\\.')}"`));
      return true;
    },
  );
  await weights.close();
});

test('a tensor of the wrong shape names its shape and the expected one', async () => {
  const { config, weights } = await fixtureComponent('tiny-sd15/vae');
  assert.throws(
    () => buildVaeDecoder(config, edited(weights, '', { 'decoder.conv_in.weight': [32, 4, 3] })),
    /tensor "decoder\.conv_in\.weight" of the vae_decoder has shape \[32, 4, 3\], expected \[out, in, kh, kw\]/,
  );
  await weights.close();
});

test('an unsupported UNet config field is named', async () => {
  const { config, weights } = await fixtureComponent('tiny-sd15/unet');
  assert.throws(() => buildUnet({ ...config, addition_embed_type: 'text_image' }, weights), /UNet config field "addition_embed_type" is not supported/);
  assert.throws(() => buildUnet({ ...config, down_block_types: ['AttnDownBlock2D'] }, weights), /"down_block_types.0"/);
  assert.throws(() => buildUnet({ ...config, resnet_time_scale_shift: 'scale_shift' }, weights), /"resnet_time_scale_shift"/);
  await weights.close();
});
