/**
 * CLIP skip against torch (issue 16): final_layer_norm(hidden_states[-k]) from a built text encoder and
 * from an Optimum export with hidden states (norm weights read from the ONNX initializers), the SDXL
 * convention, and clear refusals (export without hidden states, skip deeper than the encoder).
 * References: tools/tiny-sd/clip_skip_refs.py.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildTextEncoder } from '../../packages/nodes/src/builder/index.ts';
import { featureLayer, skipOutput } from '../../packages/nodes/src/sd/clip-skip.ts';
import { runWindow } from '../../packages/nodes/src/sd/text-encoding.ts';
import type { ModelRunner } from '../../packages/nodes/src/sd/model-session.ts';
import { readSafetensors, toBigInt64, toFloat32 } from '../helpers/safetensors-lite.ts';
import { fixturesDir, modelsDir, reference } from '../pipeline/harness.ts';
import { fixtureComponent, session } from './harness.ts';

const refs = readSafetensors(join(fixturesDir, 'reference', 'clip-skip.safetensors')).tensors;

function runner(s: ort.InferenceSession, path: string): ModelRunner {
  return { session: s, path, run: (feeds, outputs) => (outputs ? s.run(feeds, [...outputs]) : s.run(feeds)) };
}

async function openExport(path: string): Promise<ModelRunner> {
  return runner(await ort.InferenceSession.create(path, { intraOpNumThreads: 1 }), path);
}

/** Runs each reference prompt row with skip 2 (SD1.x semantics) and compares with torch. */
async function checkSkip2(encoder: ModelRunner, pipeline: 'tiny-sd15' | 'tiny-sdxl'): Promise<void> {
  const layer = await featureLayer(encoder.session, encoder.path, 'sd15', 2);
  assert.ok(layer.norm, 'skip 2 on SD1.x applies the final layer norm');
  const ids = toBigInt64(reference(pipeline, 'inputs').tensors.get('text_encoder.input_ids')!);
  const expected = toFloat32(refs.get(`${pipeline}.text_encoder.skip2`)!);
  const rows = ids.length / 77;
  const per = expected.length / rows;
  for (let r = 0; r < rows; r++) {
    const chunk = { ids: Array.from(ids.subarray(r * 77, (r + 1) * 77), Number), weights: [] };
    const { features } = await runWindow(encoder, chunk, layer);
    const want = expected.subarray(r * per, (r + 1) * per);
    assert.equal(features.length, want.length);
    let worst = 0;
    features.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want[i]!))));
    assert.ok(worst <= 1e-4, `${pipeline} row ${r}: max |Δ| ${worst}`);
  }
}

test('CLIP skip 2 on a built SD1.5 text encoder matches torch final_layer_norm(hidden_states[-2]) within 1e-4', async () => {
  const c = await fixtureComponent('tiny-sd15/text_encoder');
  const { session: s, path } = await session(buildTextEncoder(c.config, c.weights));
  await checkSkip2(runner(s, path), 'tiny-sd15');
});

test('CLIP skip 2 on an Optimum export with hidden_states outputs reads the norm from its initializers and matches torch', async () => {
  await checkSkip2(await openExport(join(modelsDir, 'tiny-sdxl/text_encoder/model.onnx')), 'tiny-sdxl');
});

test('CLIP skip 1 is last_hidden_state; an export without hidden states refuses skip 2, naming the file and the fix', async () => {
  const path = join(modelsDir, 'tiny-sd15/text_encoder/model.onnx');
  const encoder = await openExport(path);
  assert.deepEqual(await featureLayer(encoder.session, path, 'sd15', 1), { output: 'last_hidden_state' });
  await assert.rejects(featureLayer(encoder.session, path, 'sd15', 2), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'UNSUPPORTED_MODEL');
    assert.match(
      err.message,
      /tiny-sd15\/text_encoder\/model\.onnx has no hidden_states\.N outputs; CLIP skip 2 needs them\. Load the model from a checkpoint/,
    );
    return true;
  });
});

test('SDXL keeps the penultimate layer without the norm; skip only moves further back, and never past the first layer', async () => {
  const path = join(modelsDir, 'tiny-sdxl/text_encoder_2/model.onnx'); // 3 layers: hidden_states.0..3
  const { session: s } = await openExport(path);
  assert.deepEqual(skipOutput(s, 'sdxl', 1, path), { output: 'hidden_states.2', normed: false });
  assert.deepEqual(skipOutput(s, 'sdxl', 2, path), { output: 'hidden_states.2', normed: false });
  assert.deepEqual(skipOutput(s, 'sdxl', 3, path), { output: 'hidden_states.1', normed: false });
  assert.throws(() => skipOutput(s, 'sdxl', 4, path), /CLIP skip 4 is deeper than .*'s 3 layers; use 1 to 3/);
});
