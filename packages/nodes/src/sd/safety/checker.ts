/**
 * The diffusers-script safety checker (`StableDiffusionSafetyChecker.forward_onnx`): inputs `clip_input`
 * [B,3,224,224] and `images` [B,H,W,3] (0..1), outputs `out_images` (flagged images zeroed) and bool
 * `has_nsfw_concepts` [B]. The export is traced at batch 1 (the masked assignment bakes the batch in),
 * so, like diffusers' OnnxStableDiffusionPipeline, it is called once per image.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { LoomError, type ObjectCache } from '@loom/engine';
import type { ImageBatch } from '../../ports.ts';
import { cachedSession, type SessionSettings } from '../../runtime/session.ts';
import type { DeviceLog } from '../../runtime/device.ts';
import { readFloats, requireInput } from '../../runtime/tensors.ts';
import { clipInput, readPreprocessorConfig, type ClipPreprocessConfig } from './preprocess.ts';

export interface SafetyChecker {
  session: ort.InferenceSession;
  path: string;
  preprocess: ClipPreprocessConfig;
}

export interface CheckResult {
  flagged: boolean;
  /** The checker's `out_images` for this image, [H,W,3] (all zeros when flagged). */
  out: Float32Array;
}

/** Files of a checker: its model and the CLIP preprocessor config that goes with it. */
export interface CheckerFiles {
  model: string;
  preprocessor: string;
}

/** A standalone checker folder (`model.onnx` + `preprocessor_config.json`, as in models/safety_checker). */
export function checkerFolder(dir: string): CheckerFiles {
  return { model: join(dir, 'model.onnx'), preprocessor: join(dir, 'preprocessor_config.json') };
}

export async function openChecker(objects: ObjectCache, files: CheckerFiles, settings: SessionSettings, log: DeviceLog): Promise<SafetyChecker> {
  const [{ session, path }, preprocess] = await Promise.all([cachedSession(objects, files.model, settings, log), readPreprocessorConfig(files.preprocessor)]);
  requireInput(session, 'clip_input', path);
  requireInput(session, 'images', path);
  if (!session.outputNames.includes('has_nsfw_concepts')) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${path} has no has_nsfw_concepts output (outputs: ${session.outputNames.join(', ')}); it is not a diffusers ONNX safety checker.`,
    );
  }
  return { session, path, preprocess };
}

/** Runs the checker on image `index` of the batch. */
export async function checkImage(checker: SafetyChecker, images: ImageBatch, index: number): Promise<CheckResult> {
  const [, height, width] = images.shape;
  const clip = await clipInput(images, index, checker.preprocess);
  const size = height * width * 3;
  const pixels = images.pixels.slice(index * size, (index + 1) * size);
  const result = await checker.session.run({
    clip_input: new ort.Tensor('float32', clip.data, [1, 3, clip.height, clip.width]),
    images: new ort.Tensor('float32', pixels, [1, height, width, 3]),
  });
  const nsfw = result.has_nsfw_concepts as ort.Tensor;
  return { flagged: Boolean((nsfw.data as ArrayLike<unknown>)[0]), out: readFloats(result.out_images as ort.Tensor) };
}
