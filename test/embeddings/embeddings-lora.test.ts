/**
 * Embeddings with LoRA and on a single-file checkpoint: an embedding whose vector is exactly the token
 * embedding of "cat" must encode "a wordcat cat" as the plain path encodes "a cat cat" — through a LoRA
 * branch session on the derived embeds model (the LoRA's text-encoder patches apply around the fed vectors)
 * and on the graph Loom builds from the F16 single file (whose lookup table is the file's own values).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { OnnxModel } from '../../packages/nodes/src/runtime/onnx-model/onnx-model.ts';
import { openWeightFile } from '../../packages/nodes/src/weights/open-weight-file.ts';
import { writeSafetensors } from '../../packages/nodes/src/safetensors/test-writer.ts';
import { embeddingModels, encodeWith } from './harness.ts';

const CAT = 673; // the tiny vocabulary's "cat</w>" (models/tiny-sd15/tokenizer/vocab.json)
const WIDTH = 32;
const TABLE = 'text_model.embeddings.token_embedding.weight';
const LORA = { file: 'kohya/pytorch_lora_weights_8.safetensors', strength: 1 }; // kohya keys for the text encoder
const models = embeddingModels();

async function writeWordEmbedding(name: string, table: Float32Array): Promise<void> {
  writeSafetensors(join(models, 'embeddings', `${name}.safetensors`), {
    emb_params: { dtype: 'F32', shape: [1, WIDTH], data: table.slice(CAT * WIDTH, (CAT + 1) * WIDTH) },
  });
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

test('with a LoRA on the text encoder, an embedding equal to a token encodes as that token (export + surgery)', async () => {
  const model = await OnnxModel.load(join(models, 'tiny-sd15/text_encoder/model.onnx'));
  await writeWordEmbedding('wordcat', (await model.readFloat32([TABLE])).get(TABLE)!);
  for (const type of ['TextEncoder', 'CLIPTextEncode'] as const) {
    const word = type === 'TextEncoder' ? 'wordcat' : 'embedding:wordcat';
    const viaEmbedding = await encodeWith(models, 'tiny-sd15', type, `a (${word}:1.3) cat`, LORA);
    const plain = await encodeWith(models, 'tiny-sd15', type, 'a (cat:1.3) cat', LORA);
    const noLora = await encodeWith(models, 'tiny-sd15', type, 'a (cat:1.3) cat');
    assert.deepEqual(
      viaEmbedding.cond.embeddings?.map((e) => e.name),
      ['wordcat'],
    );
    assert.ok(maxDiff(viaEmbedding.cond.embeds, plain.cond.embeds) <= 1e-5, `${type}: ${maxDiff(viaEmbedding.cond.embeds, plain.cond.embeds)}`);
    assert.ok(maxDiff(plain.cond.embeds, noLora.cond.embeds) > 1e-3, `${type}: the LoRA changes the encoding`);
  }
});

test('a single-file checkpoint (F16, built by Loom) takes embeddings the same way', async () => {
  const file = await openWeightFile(join(models, 'checkpoints/tiny-sd15.safetensors'));
  const table = await file.readFloat32(`cond_stage_model.transformer.${TABLE}`);
  await file.close();
  await writeWordEmbedding('wordcat16', table);
  const viaEmbedding = await encodeWith(models, 'tiny-sd15.safetensors', 'TextEncoder', 'a wordcat16 cat');
  const plain = await encodeWith(models, 'tiny-sd15.safetensors', 'TextEncoder', 'a cat cat');
  assert.deepEqual(
    viaEmbedding.cond.embeddings?.map((e) => e.name),
    ['wordcat16'],
  );
  assert.ok(maxDiff(viaEmbedding.cond.embeds, plain.cond.embeds) <= 1e-5, `${maxDiff(viaEmbedding.cond.embeds, plain.cond.embeds)}`);
});
