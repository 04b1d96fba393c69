/**
 * An engine whose models folder holds one pipeline around the SD1.5-size random UNet, for the pipeline
 * overhead bench: the tiny SD1.5 pipeline's scheduler, tokenizer, text encoder and VAE (symlinked into
 * a temporary folder) with the large UNet. The tiny text encoder is 32 wide and the large UNet expects
 * 768, so a bench-only node supplies fixed 768-wide conditioning; the UNetSampler path is the real one.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Engine, NodeRegistry, builtinNodes, defineNode, param, type Graph } from '@loom/engine';
import { CONDITIONING, createNodePack, type Conditioning, type NodePackConfig } from '@loom/nodes';
import { TorchCpuGenerator } from '../../packages/nodes/src/sd/rng/index.ts';
import { LARGE_UNET } from './large-model.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
export const LARGE_PIPELINE = 'sd15-random';
const TEXT_DIM = 768;

/** Fixed text conditioning [1, 77, 768] from a seeded torch.randn, so both loops see the same numbers. */
export function benchConditioning(seed: number): Conditioning {
  return {
    kind: 'conditioning',
    family: 'sd15',
    embeds: new TorchCpuGenerator(seed).randn([1, 77, TEXT_DIM]),
    tokens: 77,
    dim: TEXT_DIM,
    padWindow: new Float32Array(77 * TEXT_DIM),
    empty: false,
    prompt: `bench ${seed}`,
  };
}

const conditioningNode = defineNode({
  type: 'BenchConditioning',
  category: 'bench',
  description: 'Fixed 768-wide conditioning for the SD1.5-size UNet (bench only).',
  inputs: {},
  params: { seed: param(z.int().min(0).default(0), 'Seed of the embedding values') },
  outputs: { conditioning: CONDITIONING },
  run: (_inputs, { seed }) => ({ conditioning: benchConditioning(seed) }),
});

export interface LargePipeline {
  engine: Engine;
  config: NodePackConfig;
  /** A txt2img graph up to the sampler at `size`×`size` pixels. */
  graph(seed: number, steps: number, size: number): Graph;
  /** Deletes the temporary models folder. */
  dispose(): void;
}

export function largePipeline(): LargePipeline {
  const modelsDir = mkdtempSync(join(tmpdir(), 'loom-bench-models-'));
  const dir = join(modelsDir, LARGE_PIPELINE);
  mkdirSync(dir);
  const tiny = join(repo, 'models/tiny-sd15');
  copyFileSync(join(tiny, 'model_index.json'), join(dir, 'model_index.json'));
  for (const part of ['scheduler', 'tokenizer', 'text_encoder', 'vae_decoder']) symlinkSync(join(tiny, part), join(dir, part));
  symlinkSync(dirname(LARGE_UNET), join(dir, 'unet'));
  // The host's default cache folder, as a real run has (its optimized-model cache; see worthCaching).
  const config: NodePackConfig = {
    modelsDir,
    outputDir: join(modelsDir, 'out'),
    inputDir: join(modelsDir, 'in'),
    tempDir: join(modelsDir, 'temp'),
    device: 'cpu',
    threads: 2,
    cacheDir: join(repo, '.loom/ort-cache'),
  };
  const engine = new Engine({ registry: new NodeRegistry([...builtinNodes, ...createNodePack(config).nodes, conditioningNode]) });
  const link = (node: string, output: string) => ({ node, output });
  return {
    engine,
    config,
    graph: (seed, steps, size) => ({
      version: 1,
      nodes: {
        loader: { type: 'ModelLoader', inputs: { pipeline: LARGE_PIPELINE } },
        pos: { type: 'BenchConditioning', inputs: { seed: 1 } },
        neg: { type: 'BenchConditioning', inputs: { seed: 2 } },
        latent: { type: 'EmptyLatent', inputs: { width: size, height: size } },
        sampler: {
          type: 'UNetSampler',
          inputs: {
            model: link('loader', 'model'),
            positive: link('pos', 'conditioning'),
            negative: link('neg', 'conditioning'),
            latent: link('latent', 'latent'),
            seed,
            steps,
            preview: false,
          },
        },
      },
    }),
    dispose: () => rmSync(modelsDir, { recursive: true, force: true }),
  };
}
