import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from '../../runtime/onnx-model/onnx-model.ts';
import { floatTensor, idsTensor, readFloats, requireInput } from '../../runtime/tensors.ts';
import { EMBEDS_INPUT, EMBEDS_MASK_INPUT, embedsModelPath } from './embeds-model.ts';

const REPO = fileURLToPath(new URL('../../../../../', import.meta.url));
const TABLE = 'text_model.embeddings.token_embedding.weight';
// bos, "a", "cat", "cat", eos, padding (tiny vocabulary: models/tiny-sd15/tokenizer)
const IDS = [1022, 320, 673, 673, 1023, ...Array<number>(72).fill(1023)];

test('the surgery on Optimum (F32, F16) and diffusers-script exports: unmasked slots keep the lookup, masked ones take the fed vector', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'loom-embeds-model-'));
  for (const dir of ['models/tiny-sd15', 'test/fixtures/tiny-sd15-fp16', 'test/fixtures/tiny-sd15-script']) {
    const source = join(REPO, dir, 'text_encoder/model.onnx');
    const path = await embedsModelPath(source, cache);
    assert.equal(await embedsModelPath(source, cache), path, 'derived once, then found in the cache');
    const [plain, derived] = await Promise.all([ort.InferenceSession.create(source), ort.InferenceSession.create(path)]);
    const meta = derived.inputMetadata.find((m) => m.name === EMBEDS_INPUT);
    const type = meta && 'type' in meta ? meta.type : '';
    const table = (await (await OnnxModel.load(source)).readFloat32([TABLE])).get(TABLE)!;
    const idsType = requireInput(plain, 'input_ids', source).type;
    const ids = idsTensor(idsType, IDS, [1, 77]);
    const expected = readFloats((await plain.run({ input_ids: ids })).last_hidden_state!);
    const embeds = new Float32Array(77 * 32);
    const mask = new Uint8Array(77);
    const run = async (input: ort.Tensor) =>
      readFloats(
        (
          await derived.run({
            input_ids: input,
            [EMBEDS_INPUT]: floatTensor(type, embeds, [1, 77, 32]),
            [EMBEDS_MASK_INPUT]: new ort.Tensor('bool', mask, [1, 77, 1]),
          })
        ).last_hidden_state!,
      );
    assert.deepEqual(await run(ids), expected, `${dir}: nothing masked is the plain model`);
    // "cat" fed as a vector at slot 3, over A1111's placeholder id 0, is "cat" looked up
    embeds.set(table.subarray(673 * 32, 674 * 32), 3 * 32);
    mask[3] = 1;
    assert.deepEqual(
      await run(
        idsTensor(
          idsType,
          IDS.map((id, i) => (i === 3 ? 0 : id)),
          [1, 77],
        ),
      ),
      expected,
      `${dir}: a fed token vector equals its lookup`,
    );
    assert.equal(type, dir.includes('fp16') ? 'float16' : 'float32');
  }
});

test('a model without a token lookup is refused, naming the file and the fix', async () => {
  const source = join(REPO, 'models/tiny-sd15/vae_decoder/model.onnx');
  await assert.rejects(
    embedsModelPath(source, mkdtempSync(join(tmpdir(), 'loom-embeds-model-'))),
    /vae_decoder\/model\.onnx: no token-embedding lookup .* Load the model from a checkpoint or diffusers folder/,
  );
});
