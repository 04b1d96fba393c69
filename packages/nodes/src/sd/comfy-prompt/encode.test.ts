import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { clipHandle } from '../../ports.ts';
import { readPipeline } from '../pipeline.ts';
import { ClipTokenizer } from '../tokenizer/index.ts';
import type { ModelRunner } from '../model-session.ts';
import { encodeComfyPrompt } from './encode.ts';
import { featureLayers } from '../text-encoding.ts';
import { tokenizeComfyPrompt } from './tokenize.ts';

/*
 * ComfyUI-weighted encodings of five prompts by the tiny SD1.5 and SDXL text encoders (the committed ONNX exports),
 * against tools/comfy-ref/make_clip_fixture.py: the same encoders' torch replicas (tools/tiny-sd) under a
 * torch re-derivation of comfy/sd1_clip.py's tokenisation and empty-prompt interpolation.
 */
interface Case {
  prompt: string;
  windows: Array<Array<[number, number]>>;
  sd15: { shape: number[]; values: number[] };
  sdxl: { shape: number[]; values: number[]; pooled: number[] };
}
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/clip-weights.json', import.meta.url), 'utf8')) as { cases: Case[] };
const MODELS = fileURLToPath(new URL('../../../../../models/', import.meta.url));

async function open(dir: string) {
  const pipeline = await readPipeline(`${MODELS}${dir}`);
  const encoders: ModelRunner[] = await Promise.all(
    pipeline.textEncoders.map(async (e) => {
      const session = await ort.InferenceSession.create(e.model);
      return { session, path: e.model, run: (feeds, outputs) => (outputs ? session.run(feeds, [...outputs]) : session.run(feeds)) };
    }),
  );
  const tokenizers = await Promise.all(pipeline.textEncoders.map((e) => ClipTokenizer.fromDir(e.tokenizerDir)));
  return { clip: clipHandle(pipeline), encoders, tokenizers };
}

const close = (actual: ArrayLike<number>, expected: readonly number[], label: string): void => {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= 1e-4 * Math.max(1, Math.abs(expected[i]!)), `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
};

test('ComfyUI tokenisation: weights, escapes and word-keeping windows match the reference', async () => {
  const { tokenizers } = await open('tiny-sd15');
  for (const c of cases) {
    const windows = tokenizeComfyPrompt(c.prompt, tokenizers[0]!);
    assert.deepEqual(
      windows.map((w) => w.ids.map((id, j) => [id, w.weights[j]])),
      c.windows,
      JSON.stringify(c.prompt),
    );
  }
});

test('SD1.5 and SDXL CLIPTextEncode encodings match torch, weighted tokens interpolated against the empty prompt', async () => {
  for (const [dir, key] of [
    ['tiny-sd15', 'sd15'],
    ['tiny-sdxl', 'sdxl'],
  ] as const) {
    const { clip, encoders, tokenizers } = await open(dir);
    for (const c of cases) {
      const out = await encodeComfyPrompt(clip, encoders, c.prompt, { tokenizers, layers: await featureLayers(clip, encoders), checkCancelled: () => {} });
      const expected = c[key];
      assert.deepEqual([1, out.tokens, out.dim], expected.shape, `${dir} ${JSON.stringify(c.prompt)} shape`);
      close(out.embeds, expected.values, `${dir} ${JSON.stringify(c.prompt)}`);
      if (key === 'sdxl') close(out.pooled!, c.sdxl.pooled, `${dir} pooled`);
    }
  }
});
