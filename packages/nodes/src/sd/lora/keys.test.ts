import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeLoraKeys } from './keys.ts';
import { sniffFormat } from './keys-sniff.ts';
import { ldmToDiffusersStem } from './keys-ldm.ts';

const Q = 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q';
const OUT = 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0';
const TEQ = 'text_model.encoder.layers.0.self_attn.q_proj';

function modulesOf(keys: string[], sets = {}): [string, string][] {
  return normalizeLoraKeys(keys, sets).modules.map((m) => [m.component, m.module]);
}

// Key spellings below are the ones listed in diffusers state_dict_utils.py's maps.
test('old diffusers attention-processor keys', () => {
  const keys = [
    `down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_q_lora.down.weight`,
    `down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_q_lora.up.weight`,
    `unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.down.weight`,
    `unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.up.weight`,
    `text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_linear_layer.down.weight`,
    `text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_linear_layer.up.weight`,
  ];
  assert.equal(sniffFormat(keys), 'diffusers-attnproc');
  assert.deepEqual(modulesOf(keys), [
    ['unet', Q],
    ['unet', OUT],
    ['text_encoder', TEQ],
  ]);
});

test('PEFT lora_A/lora_B with and without prefixes', () => {
  const keys = [
    `unet.${Q}.lora_A.weight`,
    `unet.${Q}.lora_B.weight`,
    `${OUT}.lora_A.default.weight`,
    `${OUT}.lora_B.default.weight`,
    `text_encoder_2.${TEQ}.lora_A.weight`,
    `text_encoder_2.${TEQ}.lora_B.weight`,
  ];
  assert.equal(sniffFormat(keys), 'peft');
  assert.deepEqual(modulesOf(keys), [
    ['unet', Q],
    ['unet', OUT],
    ['text_encoder_2', TEQ],
  ]);
});

test('diffusers lora.down/lora.up with alpha', () => {
  const keys = [
    `unet.${Q}.lora.down.weight`,
    `unet.${Q}.lora.up.weight`,
    `unet.${Q}.alpha`,
    `text_encoder.${TEQ}.lora.down.weight`,
    `text_encoder.${TEQ}.lora.up.weight`,
  ];
  assert.equal(sniffFormat(keys), 'diffusers');
  const n = normalizeLoraKeys(keys);
  assert.deepEqual(n.modules[0], { component: 'unet', module: Q, down: keys[0], up: keys[1], alpha: keys[2] });
  assert.equal(n.modules[1]!.component, 'text_encoder');
});

test('kohya names are resolved against the modules the model has', () => {
  const unet = new Set([Q, 'down_blocks.0.attentions.0.proj_in', 'down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj']);
  const te = new Set([TEQ, 'text_model.encoder.layers.0.mlp.fc1']);
  const keys = [
    'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight',
    'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_up.weight',
    'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.alpha',
    'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_ff_net_0_proj.lora_down.weight',
    'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_ff_net_0_proj.lora_up.weight',
    'lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight',
    'lora_te_text_model_encoder_layers_0_mlp_fc1.lora_up.weight',
    'lora_unet_down_blocks_9_attentions_0_proj_in.lora_down.weight',
    'lora_unet_down_blocks_9_attentions_0_proj_in.lora_up.weight',
  ];
  assert.equal(sniffFormat(keys), 'kohya');
  const n = normalizeLoraKeys(keys, { unet, text_encoder: te });
  assert.deepEqual(
    n.modules.map((m) => [m.component, m.module, m.alpha]),
    [
      ['unet', Q, keys[2]],
      ['unet', 'down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj', undefined],
      ['text_encoder', 'text_model.encoder.layers.0.mlp.fc1', undefined],
    ],
  );
  assert.deepEqual(n.unmatchedKeys, keys.slice(7)); // down_blocks.9 does not exist in the model
  // lora_te1_/lora_te2_ (SDXL) pick the component.
  const sdxl = normalizeLoraKeys(
    ['lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight', 'lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight'],
    { text_encoder_2: new Set([TEQ]) },
  );
  assert.deepEqual(
    sdxl.modules.map((m) => [m.component, m.module]),
    [['text_encoder_2', TEQ]],
  );
});

test('LDM block names follow the diffusers renumbering (diffusers lora_conversion_utils.py, lpb = 2)', () => {
  const cases: [string, string][] = [
    ['input_blocks_4_1_transformer_blocks_0_attn1_to_q', 'down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q'],
    ['input_blocks_7_1_proj_in', 'down_blocks_2_attentions_0_proj_in'],
    ['input_blocks_8_1_proj_out', 'down_blocks_2_attentions_1_proj_out'],
    ['middle_block_1_transformer_blocks_0_attn2_to_k', 'mid_block_attentions_0_transformer_blocks_0_attn2_to_k'],
    ['output_blocks_0_1_transformer_blocks_0_ff_net_2', 'up_blocks_0_attentions_0_transformer_blocks_0_ff_net_2'],
    ['output_blocks_5_1_proj_in', 'up_blocks_1_attentions_2_proj_in'],
    ['input_blocks_1_0_in_layers_2', 'down_blocks_0_resnets_0_conv1'],
    ['input_blocks_3_0_op', 'down_blocks_0_downsamplers_0_conv'],
    ['middle_block_2_emb_layers_1', 'mid_block_resnets_1_time_emb_proj'],
    ['output_blocks_2_1_conv', 'up_blocks_0_upsamplers_0_conv'],
    ['output_blocks_3_0_skip_connection', 'up_blocks_1_resnets_0_conv_shortcut'],
    ['time_embed_0', 'time_embedding_linear_1'],
  ];
  for (const [ldm, diffusers] of cases) assert.equal(ldmToDiffusersStem(ldm, 2), diffusers, ldm);
  // layers_per_block 1 (tiny models): input_blocks 1,2 → down_blocks.0; 3,4 → down_blocks.1
  assert.equal(ldmToDiffusersStem('input_blocks_3_1_proj_in', 1), 'down_blocks_1_attentions_0_proj_in');
});

test('SDXL kohya LDM keys resolve through the model module set', () => {
  const target = 'down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q';
  const unet = new Set([target, 'down_blocks.0.resnets.0.conv1', 'down_blocks.0.resnets.1.conv1']);
  const keys = [
    'lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lora_down.weight',
    'lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lora_up.weight',
  ];
  assert.deepEqual(modulesOf(keys, { unet }), [['unet', target]]);
});

test('LyCORIS variants are reported as unsupported by name', () => {
  const n = normalizeLoraKeys([
    'lora_unet_down_blocks_0_resnets_0_conv1.hada_w1_a',
    'lora_unet_down_blocks_0_resnets_0_conv1.hada_w1_b',
    'lora_unet_down_blocks_0_resnets_0_conv1.alpha',
    'lora_unet_x.lokr_w1',
    'lora_unet_y.diff',
    'lora_unet_z.lora_mid.weight',
    'lora_unet_z.lora_down.weight',
    'lora_unet_z.lora_up.weight',
  ]);
  assert.deepEqual(
    n.unsupported.map((u) => [u.stem, u.kind]),
    [
      ['lora_unet_down_blocks_0_resnets_0_conv1', 'LoHa (hada_*)'],
      ['lora_unet_x', 'LoKr (lokr_*)'],
      ['lora_unet_y', 'full weight difference (.diff)'],
      ['lora_unet_z', 'LoCon with CP decomposition (lora_mid)'],
    ],
  );
  assert.equal(n.modules.length, 0);
  assert.equal(n.unsupported[3]!.keys.length, 3);
});
