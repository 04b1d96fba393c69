import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClipTokenizer } from '../../sd/tokenizer/index.ts';
import { readPipeline } from '../../sd/pipeline.ts';
import type { ModelComponents } from '../components.ts';
import type { WeightSource } from '../weight-source.ts';
import { checkTokenizersFit, writePipelineFiles } from './pipeline-files.ts';

const none: WeightSource = {
  origin: 'none',
  names: () => [],
  info: () => undefined,
  readFloat32: async () => new Float32Array(),
  readBytes: async () => new Uint8Array(),
  close: async () => {},
};
const sdxl: ModelComponents = {
  kind: 'sdxl',
  unet: { config: { in_channels: 4 }, weights: none },
  vae: { config: { scaling_factor: 0.13025 }, weights: none },
  textEncoder: { config: { vocab_size: 49408 }, weights: none },
  textEncoder2: { config: { vocab_size: 49408 }, weights: none },
  scheduler: { _class_name: 'EulerDiscreteScheduler' },
};

test('a single-file SDXL gets the bundled tokenizers: CLIP-L pads with <|endoftext|>, bigG with "!"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-pipefiles-'));
  checkTokenizersFit(sdxl, { origin: 'x.safetensors' });
  await writePipelineFiles(dir, sdxl, { origin: 'x.safetensors' });
  const index = JSON.parse(readFileSync(join(dir, 'model_index.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(index._class_name, 'ORTStableDiffusionXLPipeline');
  assert.equal(index.force_zeros_for_empty_prompt, true);
  const [first, second] = [await ClipTokenizer.fromDir(join(dir, 'tokenizer')), await ClipTokenizer.fromDir(join(dir, 'tokenizer_2'))];
  // ids of "a photo of a cat" in CLIP's vocabulary (openai/clip-vit-large-patch14), padded to 77
  const ids = [49406, 320, 1125, 539, 320, 2368, 49407];
  assert.deepEqual(first.encodePadded('a photo of a cat').slice(0, 9), [...ids, 49407, 49407]);
  assert.deepEqual(second.encodePadded('a photo of a cat').slice(0, 9), [...ids, 0, 0]);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'scheduler/scheduler_config.json'), 'utf8')), { _class_name: 'EulerDiscreteScheduler' });
  await assert.rejects(readPipeline(dir), /no unet\/model\.onnx/, "the ONNX models and their configs are the builder's part");
});

test('the bundled tokenizer is refused for a text encoder of another vocabulary unless the model brings its own', () => {
  const tiny = { ...sdxl, textEncoder2: { config: { vocab_size: 1024 }, weights: none } };
  assert.throws(() => checkTokenizersFit(tiny, { origin: 'tiny.safetensors' }), /tiny\.safetensors: its text encoder has 1024 tokens, not CLIP's 49408/);
  checkTokenizersFit(tiny, { origin: 'tiny.safetensors', tokenizer2: '/some/tokenizer_2' });
});
