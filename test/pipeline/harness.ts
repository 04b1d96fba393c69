/** Shared setup for pipeline tests: a host on the embedded tiny models, and reference tensors from torch. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Graph } from '@loom/engine';
import { createHost, type Host } from '../../packages/server/src/host.ts';
import { readSafetensors, toFloat32, type LiteFile } from '../helpers/safetensors-lite.ts';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const modelsDir = join(root, 'models');
export const fixturesDir = join(root, 'test/fixtures');

export function tinyHost(options: { modelsDir?: string } = {}): Host & { outDir: string } {
  const outDir = mkdtempSync(join(tmpdir(), 'loom-pipeline-'));
  const host = createHost({
    modelsDir: options.modelsDir ?? modelsDir,
    outputDir: join(outDir, 'out'),
    inputDir: join(outDir, 'in'),
    tempDir: join(outDir, 'temp'),
    device: 'cpu',
    threads: 1,
  });
  return { ...host, outDir };
}

export function reference(pipeline: string, file: 'inputs' | 'base'): LiteFile {
  return readSafetensors(join(fixturesDir, 'reference', pipeline, `${file}.safetensors`));
}

export function tensor(file: LiteFile, name: string): Float32Array {
  const t = file.tensors.get(name);
  if (!t) throw new Error(`reference has no ${name}`);
  return toFloat32(t);
}

/** Largest |a−b| relative to the largest |b|: one number that is 0 for identical tensors. */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return diff / scale;
}

const link = (node: string, output: string) => ({ node, output });

/** The txt2img graph of graphs/tiny-sd15-txt2img.json, built in code so tests can vary it. */
export function txt2img(
  options: { pipeline?: string; seed?: number; steps?: number; prompt?: string; negative?: string; width?: number; height?: number; prefix?: string } = {},
): Graph {
  return {
    version: 1,
    nodes: {
      loader: { type: 'ModelLoader', inputs: { pipeline: options.pipeline ?? 'tiny-sd15' } },
      positive: { type: 'TextEncoder', inputs: { clip: link('loader', 'clip'), text: options.prompt ?? 'a portrait of a girl, red theme' } },
      negative: { type: 'TextEncoder', inputs: { clip: link('loader', 'clip'), text: options.negative ?? 'blurry' } },
      latent: { type: 'EmptyLatent', inputs: { width: options.width ?? 64, height: options.height ?? 64 } },
      sampler: {
        type: 'UNetSampler',
        inputs: {
          model: link('loader', 'model'),
          positive: link('positive', 'conditioning'),
          negative: link('negative', 'conditioning'),
          latent: link('latent', 'latent'),
          seed: options.seed ?? 7,
          steps: options.steps ?? 6,
        },
      },
      decode: { type: 'VAEDecode', inputs: { vae: link('loader', 'vae'), latent: link('sampler', 'latent') } },
      save: { type: 'SaveImage', inputs: { images: link('decode', 'images'), filenamePrefix: options.prefix ?? 'test' } },
    },
  };
}
