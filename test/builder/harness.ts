/** Shared setup for builder tests: fixture weights, building one component into a temp folder, running it. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { safetensorsSource } from '../../packages/nodes/src/builder/test-weight-source.ts';
import type { GraphBuilder } from '../../packages/nodes/src/builder/graph.ts';
import { writeModel } from '../../packages/nodes/src/builder/write-model.ts';
import type { WeightSource } from '../../packages/nodes/src/weights/weight-source.ts';
import { fixturesDir } from '../pipeline/harness.ts';

export const builderDir = join(fixturesDir, 'builder');

/** config.json and weights of one fixture component (`tiny-sd15/unet`, …). */
export async function fixtureComponent(path: string): Promise<{ config: unknown; weights: WeightSource }> {
  const dir = join(builderDir, path);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as unknown;
  const file = ['model.safetensors', 'diffusion_pytorch_model.safetensors', 'diffusion_pytorch_model.fp16.safetensors']
    .map((f) => join(dir, f))
    .find((f) => { try { readFileSync(f, { flag: 'r' }).length; return true; } catch { return false; } })!;
  return { config, weights: await safetensorsSource(file) };
}

/** Writes `g` to a fresh temp folder and opens a single-threaded session on it. */
export async function session(g: GraphBuilder): Promise<{ session: ort.InferenceSession; path: string }> {
  const path = await writeModel(g, mkdtempSync(join(tmpdir(), 'loom-builder-')));
  return { session: await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1 }), path };
}
