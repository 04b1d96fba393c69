/** Shared setup of the embeddings tests: a models folder with embeddings, and one prompt encoded by a node. */
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineEvent, Graph } from '@loom/engine';
import type { Conditioning } from '@loom/nodes';
import { fixturesDir, root, tinyHost } from '../pipeline/harness.ts';

/** A models folder with the tiny exports, the SD1.5 checkpoint and diffusers folder, and every embedding fixture. */
export function embeddingModels(): string {
  const models = mkdtempSync(join(tmpdir(), 'loom-embeddings-models-'));
  for (const p of ['tiny-sd15', 'tiny-sdxl']) cpSync(join(root, 'models', p), join(models, p), { recursive: true });
  cpSync(join(fixturesDir, 'checkpoints', 'tiny-sd15-diffusers'), join(models, 'tiny-sd15-diffusers'), { recursive: true });
  mkdirSync(join(models, 'checkpoints'));
  for (const f of ['tiny-sd15.safetensors', 'tiny-sd15.yaml', 'tiny-sd15.tokenizer'])
    cpSync(join(fixturesDir, 'checkpoints', f), join(models, 'checkpoints', f), { recursive: true });
  cpSync(join(fixturesDir, 'embeddings', 'sd15'), join(models, 'embeddings'), { recursive: true });
  cpSync(join(fixturesDir, 'embeddings', 'sdxl'), join(models, 'embeddings', 'xl'), { recursive: true });
  cpSync(join(fixturesDir, 'loras/sd15/kohya'), join(models, 'loras/kohya'), { recursive: true });
  return models;
}

const link = (node: string, output: string) => ({ node, output });

/** Encodes `text` with a `type` node on `pipeline` (through a LoRA when given); the conditioning and the warnings. */
export async function encodeWith(
  models: string,
  pipeline: string,
  type: 'TextEncoder' | 'CLIPTextEncode',
  text: string,
  lora?: { file: string; strength: number },
): Promise<{ cond: Conditioning; warnings: string[] }> {
  const clip = lora ? link('lora', 'clip') : link('loader', 'clip');
  const graph: Graph = {
    version: 1,
    nodes: {
      loader: { type: 'ModelLoader', inputs: { pipeline } },
      ...(lora && {
        lora: {
          type: 'LoRALoader',
          inputs: { model: link('loader', 'model'), clip: link('loader', 'clip'), lora: lora.file, strengthModel: 0, strengthClip: lora.strength },
        },
      }),
      enc: { type, inputs: { clip, text } },
    },
  };
  const warnings: string[] = [];
  const onEvent = (e: EngineEvent) => void (e.type === 'node.log' && e.level === 'warn' && warnings.push(e.message));
  const result = await tinyHost({ modelsDir: models }).engine.run(graph, { targets: ['enc'], onEvent });
  return { cond: result.outputs.get('enc')?.conditioning as Conditioning, warnings };
}
