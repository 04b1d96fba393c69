import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectPipelineFiles, selectSingleFiles, variantOf } from './select-files.ts';

const listing = (paths: string[]) => paths.map((path) => ({ path, size: 1 }));
const paths = (files: Array<{ path: string }>) => files.map((f) => f.path).sort();

/** A diffusers repo as the hub lists it (e.g. runwayml-style: torch, fp16, flax, ONNX and a root checkpoint). */
const DIFFUSERS = listing([
  'model_index.json',
  'README.md',
  'v1-5.ckpt',
  'v1-5.safetensors',
  'unet/config.json',
  'unet/diffusion_pytorch_model.safetensors',
  'unet/diffusion_pytorch_model.fp16.safetensors',
  'unet/diffusion_pytorch_model.bin',
  'unet/diffusion_flax_model.msgpack',
  'unet/model.onnx',
  'text_encoder/config.json',
  'text_encoder/model.bin',
  'text_encoder/flax_model.msgpack',
  'text_encoder/model.onnx',
  'tokenizer/vocab.json',
  'tokenizer/merges.txt',
  'scheduler/scheduler_config.json',
]);

test('a pipeline: configs and tokenizer, safetensors before .bin, no flax, no ONNX, no root checkpoints', () => {
  assert.deepEqual(paths(selectPipelineFiles(DIFFUSERS, { onnx: false })), [
    'model_index.json',
    'scheduler/scheduler_config.json',
    'text_encoder/config.json',
    'text_encoder/model.bin',
    'tokenizer/merges.txt',
    'tokenizer/vocab.json',
    'unet/config.json',
    'unet/diffusion_pytorch_model.safetensors',
  ]);
});

test('--variant fp16 takes the variant where there is one and the plain file elsewhere', () => {
  const chosen = paths(selectPipelineFiles(DIFFUSERS, { onnx: false, variant: 'fp16' }));
  assert.ok(chosen.includes('unet/diffusion_pytorch_model.fp16.safetensors') && !chosen.includes('unet/diffusion_pytorch_model.safetensors'));
  assert.ok(chosen.includes('text_encoder/model.bin'));
});

test('--onnx takes the ONNX files instead of the torch weights, and fails clearly on a repo without any', () => {
  const chosen = paths(selectPipelineFiles(DIFFUSERS, { onnx: true }));
  assert.ok(chosen.includes('unet/model.onnx') && chosen.includes('text_encoder/model.onnx'));
  assert.ok(!chosen.some((p) => /\.(safetensors|bin|msgpack)$/.test(p)));
  assert.throws(() => selectPipelineFiles(listing(['model_index.json', 'unet/x.safetensors']), { onnx: true }), /no ONNX export/);
});

test('single files: safetensors only when there are some; fp16 copies only when asked', () => {
  const repo = listing(['lora.safetensors', 'lora.fp16.safetensors', 'lora.bin', 'README.md', 'sample.png']);
  assert.deepEqual(paths(selectSingleFiles(repo, { onnx: false })), ['lora.safetensors']);
  assert.deepEqual(paths(selectSingleFiles(repo, { onnx: false, variant: 'fp16' })), ['lora.fp16.safetensors']);
  assert.deepEqual(paths(selectSingleFiles(listing(['RealESRGAN_x4plus.pth', 'README.md']), { onnx: false })), ['RealESRGAN_x4plus.pth']);
  assert.deepEqual(paths(selectSingleFiles(listing(['DreamShaper_6.0_BakedVae.safetensors']), { onnx: false })), ['DreamShaper_6.0_BakedVae.safetensors']);
});

test('variantOf reads diffusers variant names, sharded or not', () => {
  assert.equal(variantOf('unet/diffusion_pytorch_model.fp16.safetensors'), 'fp16');
  assert.equal(variantOf('unet/diffusion_pytorch_model.fp16-00001-of-00002.safetensors'), 'fp16');
  assert.equal(variantOf('unet/diffusion_pytorch_model-00001-of-00002.safetensors'), undefined);
  assert.equal(variantOf('unet/diffusion_pytorch_model.safetensors'), undefined);
});
