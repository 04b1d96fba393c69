/**
 * Textual-inversion embeddings through TextEncoder (A1111 bare word) and CLIPTextEncode (`embedding:Name`) on
 * the tiny models, against torch (tools/tiny-sd/loom_tiny_sd/embeddings.py: the replicas with the file's vectors
 * written over the token embeddings, then each tool's weighting). SD1.5 runs both as the ONNX export (graph
 * surgery) and as a diffusers folder Loom builds (F32 text encoder; the single-file fixture stores F16, so it is
 * only compared with its own plain encoding); SDXL splits clip_l / clip_g between its encoders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readSafetensors, toFloat32 } from '../helpers/safetensors-lite.ts';
import { fixturesDir } from '../pipeline/harness.ts';
import { embeddingModels, encodeWith } from './harness.ts';

const refs = readSafetensors(join(fixturesDir, 'reference', 'embeddings.safetensors')).tensors;
const ref = (key: string): Float32Array => toFloat32(refs.get(key)!);

const models = embeddingModels();
const encode = (pipeline: string, type: 'TextEncoder' | 'CLIPTextEncode', text: string) => encodeWith(models, pipeline, type, text);

function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let worst = 0;
  actual.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]!))));
  assert.ok(worst <= 1e-4, `${label}: max |Δ| ${worst}`);
}

for (const pipeline of ['tiny-sd15', 'tiny-sd15-diffusers']) {
  test(`${pipeline}: TextEncoder "a tinycat cat" and CLIPTextEncode "a (embedding:tinycat:1.2) cat" match torch within 1e-4`, async () => {
    const a1111 = await encode(pipeline, 'TextEncoder', 'a tinycat cat');
    assertClose(a1111.cond.embeds, ref('tiny-sd15.a1111'), `${pipeline} A1111`);
    const comfy = await encode(pipeline, 'CLIPTextEncode', 'a (embedding:tinycat:1.2) cat');
    assertClose(comfy.cond.embeds, ref('tiny-sd15.comfy'), `${pipeline} ComfyUI`);
    assert.deepEqual(comfy.warnings, []);
    // the PNG's TI hashes: A1111's short hash is the file's sha256, first 12 hex digits (tools/tiny-sd/manifest.json)
    assert.deepEqual(a1111.cond.embeddings, [{ name: 'tinycat', hash: '9b30ae359997' }]);
    assert.deepEqual(comfy.cond.embeddings, a1111.cond.embeddings);
  });
}

test('tiny-sdxl: clip_l feeds text_encoder and clip_g text_encoder_2; both tools match torch, pooled too', async () => {
  const a1111 = await encode('tiny-sdxl', 'TextEncoder', 'a (tinyxl:1.2) cat');
  assertClose(a1111.cond.embeds, ref('tiny-sdxl.a1111'), 'SDXL A1111');
  const comfy = await encode('tiny-sdxl', 'CLIPTextEncode', 'a (embedding:xl/tinyxl:1.2) cat');
  assertClose(comfy.cond.embeds, ref('tiny-sdxl.comfy'), 'SDXL ComfyUI');
  assertClose(comfy.cond.pooled!, ref('tiny-sdxl.comfy.pooled'), 'SDXL pooled');
  const bare = await encode('tiny-sdxl', 'CLIPTextEncode', 'a (embedding:tinyxl:1.2) cat');
  assert.deepEqual(bare.cond.embeds, comfy.cond.embeds, 'ComfyUI also finds a name in a subfolder');
});

test('prompts without embeddings keep their numbers; a bare word is an embedding only when its file exists', async () => {
  const plain = await encode('tiny-sd15', 'TextEncoder', 'a tinydog cat');
  assert.equal(plain.cond.embeddings, undefined);
  const withFile = await encode('tiny-sd15', 'TextEncoder', 'a TinyCat cat');
  assert.deepEqual(
    withFile.cond.embeddings?.map((e) => e.name),
    ['tinycat'],
    'A1111 matches by tokens: case-insensitive',
  );
  assert.notDeepEqual(withFile.cond.embeds, plain.cond.embeds);
  const prefixed = await encode('tiny-sd15', 'TextEncoder', 'a tinycats cat');
  assert.equal(prefixed.cond.embeddings, undefined, 'a longer word is not the embedding');
});

test('embedding:Name without a file warns naming the word and encodes the name as plain text', async () => {
  const { cond, warnings } = await encode('tiny-sd15', 'CLIPTextEncode', 'a embedding:nosuch cat');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /embedding:nosuch matches no file in .*embeddings .*encoded as the plain text "nosuch"/);
  const text = await encode('tiny-sd15', 'CLIPTextEncode', 'a nosuch cat');
  assert.deepEqual(cond.embeds, text.cond.embeds);
  // ComfyUI's comma retry: "embedding:tinycat," is the embedding followed by a comma
  const comma = await encode('tiny-sd15', 'CLIPTextEncode', 'a embedding:tinycat, cat');
  assert.deepEqual(comma.warnings, []);
  assert.deepEqual(
    comma.cond.embeddings?.map((e) => e.name),
    ['tinycat'],
  );
});

test('a vector of the wrong width fails naming the file and both widths', async () => {
  await assert.rejects(
    encode('tiny-sd15', 'CLIPTextEncode', 'embedding:wide cat'),
    /wide\.safetensors holds 48-wide vectors .*, but text_encoder of .* takes 32-wide vectors/,
  );
  await assert.rejects(
    encode('tiny-sd15', 'CLIPTextEncode', 'embedding:xl/tinyxl cat'),
    /tinyxl\.safetensors holds an SDXL embedding \(clip_l 32-wide, clip_g 48-wide\), but text_encoder of .* takes 32-wide vectors/,
  );
  await assert.rejects(
    encode('tiny-sdxl', 'CLIPTextEncode', 'embedding:tinycat cat'),
    /tinycat\.pt holds 32-wide vectors for one text encoder .*, but text_encoder of .* takes clip_l vectors 32 wide/,
  );
});

test('every format reads: A1111 .pt and .safetensors, diffusers .bin and .safetensors (multi-vector and single)', async () => {
  const base = await encode('tiny-sd15', 'CLIPTextEncode', 'a cat');
  for (const name of ['tinycat', 'tinystyle', 'learned_embeds', 'concept']) {
    const { cond, warnings } = await encode('tiny-sd15', 'CLIPTextEncode', `a embedding:${name} cat`);
    assert.deepEqual(warnings, [], name);
    assert.equal(cond.embeddings?.[0]?.name, name);
    assert.notDeepEqual(cond.embeds, base.cond.embeds, name);
  }
});
