import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindFromFileName, kindFromTensorNames, parseKind } from './kinds.ts';

test('tensor names tell LoRAs (kohya, diffusers, PEFT), embeddings, checkpoints and VAEs apart', () => {
  assert.equal(
    kindFromTensorNames(['lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight', 'lora_unet_down_blocks_0_attentions_0_proj_in.alpha']),
    'lora',
  );
  assert.equal(kindFromTensorNames(['unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_k.lora.down.weight']), 'lora');
  assert.equal(kindFromTensorNames(['base_model.model.down_blocks.0.attn1.to_q.lora_A.weight']), 'lora');
  assert.equal(kindFromTensorNames(['emb_params']), 'embedding');
  assert.equal(kindFromTensorNames(['clip_g', 'clip_l']), 'embedding');
  assert.equal(kindFromTensorNames(['<cat-toy>']), 'embedding');
  assert.equal(kindFromTensorNames(['model.diffusion_model.input_blocks.0.0.weight', 'first_stage_model.decoder.conv_in.weight']), 'checkpoint');
  assert.equal(kindFromTensorNames(['encoder.conv_in.weight', 'decoder.conv_out.bias', 'quant_conv.weight', '__metadata__']), 'vae');
  assert.equal(kindFromTensorNames(['foo.weight']), undefined);
  assert.equal(kindFromTensorNames([]), undefined);
});

test('file names help where there is no header; --kind takes folder names too', () => {
  assert.equal(kindFromFileName('genshin_lora.pt'), 'lora');
  assert.equal(kindFromFileName('BadDream.pt'), undefined);
  assert.equal(kindFromFileName('4x-UltraSharp.pth'), 'upscale');
  assert.equal(kindFromFileName('vae-ft-mse-840000-ema-pruned.ckpt'), 'vae');
  assert.equal(parseKind('loras'), 'lora');
  assert.equal(parseKind('upscale_models'), 'upscale');
  assert.throws(() => parseKind('unet'), /--kind must be one of/);
});
