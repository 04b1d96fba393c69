/**
 * The host the scale-out tests give the server and every worker: the engine's builtin and stub nodes,
 * the server tests' nodes (StubSaveImage writes real PNGs), and two nodes for routing:
 * `StubPipeline` "loads" a pipeline folder of the models dir through the object cache, like
 * ModelLoader (a `{ file: 'pipelines' }` parameter), taking as long to load cold as the folder's
 * `model_index.json` says (`loom_stub_load_ms`, a timer: no CPU), and shows which worker ran it and
 * whether the load was cold; `Tag` shows which worker ran a graph; `ReadInput` reads an upload as LoadImage does; `Block` holds its thread like a synchronous onnxruntime call.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Engine, FLOAT, LoomError, NodeRegistry, builtinNodes, defineNode, param } from '@loom/engine';
import { stubNodes } from '../../../packages/engine/src/testing/stub-nodes.ts';
import { createHost } from '../../../packages/server/src/host.ts';
import { testNodes } from '../../server/helpers/test-nodes.ts';

/** Set by the test for each worker process; "server" in the API server. */
const workerName = (): string => process.env.LOOM_TEST_WORKER ?? 'server';

function routingNodes(modelsDir: string, inputDir: string) {
  const StubPipeline = defineNode({
    type: 'StubPipeline',
    category: 'test',
    description: 'Loads a pipeline folder (cached like a real one) and shows the worker and whether the load was cold.',
    inputs: {},
    params: {
      pipeline: param(z.string().min(1), 'Pipeline folder inside the models directory', { file: 'pipelines' }),
      seed: param(z.int().default(0), 'Varies the prompt, so the output cache does not answer it'),
    },
    outputs: { y: FLOAT },
    output: true,
    run: async (_i, { pipeline, seed }, ctx) => {
      const index = join(modelsDir, pipeline, 'model_index.json');
      if (!(await stat(index).catch(() => null)))
        throw new LoomError('MODEL_NOT_FOUND', `No pipeline "${pipeline}" in ${modelsDir}.`, { nodeId: ctx.nodeId, input: 'pipeline' });
      let cold = false;
      await ctx.objects.getOrCreate(`stub-pipeline|${index}`, async () => {
        cold = true;
        const loadMs = (JSON.parse(await readFile(index, 'utf8')) as { loom_stub_load_ms?: number }).loom_stub_load_ms ?? 0;
        if (loadMs > 0) await new Promise((r) => setTimeout(r, loadMs));
        return { value: pipeline, bytes: 1 };
      });
      ctx.ui({ worker: [workerName()], pipeline: [pipeline], cold: [cold], seed: [seed] });
      return { y: seed };
    },
  });
  const Tag = defineNode({
    type: 'Tag',
    category: 'test',
    description: 'Shows its input and the worker that ran it.',
    inputs: { x: { type: FLOAT } },
    params: {},
    outputs: {},
    output: true,
    run: ({ x }, _p, ctx) => {
      ctx.ui({ worker: [workerName()], value: [x] });
      return {};
    },
  });
  const ReadInput = defineNode({
    type: 'ReadInput',
    category: 'test',
    description: 'Reads an uploaded file from the input folder (like LoadImage) and shows its size and SHA-256.',
    inputs: {},
    params: { image: param(z.string().min(1), 'A file in the input folder', { file: 'input' }) },
    outputs: {},
    output: true,
    run: async (_i, { image }, ctx) => {
      const bytes = await readFile(join(inputDir, image));
      ctx.ui({ bytes: [bytes.length], sha256: [createHash('sha256').update(bytes).digest('hex')], worker: [workerName()] });
      return {};
    },
  });
  const Block = defineNode({
    type: 'Block',
    category: 'test',
    description: 'Busy-waits without yielding, like onnxruntime-node creating a session or running a step.',
    inputs: { x: { type: FLOAT } },
    params: { ms: param(z.int().min(0).max(60_000).default(100), 'How long to block the thread') },
    outputs: { y: FLOAT },
    run: ({ x }, { ms }) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        // blocking on purpose
      }
      return { y: x };
    },
  });
  return [StubPipeline, Tag, ReadInput, Block];
}

export function stubHost(config: Parameters<typeof createHost>[0] = {}): ReturnType<typeof createHost> {
  const host = createHost({ ...config, device: 'cpu', threads: 1 });
  const registry = new NodeRegistry([
    ...builtinNodes,
    ...stubNodes,
    ...testNodes(host.config.outputDir),
    ...routingNodes(host.config.modelsDir, host.config.inputDir),
  ]);
  return { ...host, registry, comfyMap: {}, engine: new Engine({ registry }) };
}
