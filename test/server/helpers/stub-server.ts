/**
 * The real `loom-server` entry point with the stub and test nodes registered instead of the SD pack,
 * so tests can SIGKILL a real server process mid-prompt and restart it.
 */
import { resolve } from 'node:path';
import { Engine, NodeRegistry, builtinNodes } from '@loom/engine';
import { stubNodes } from '../../../packages/engine/src/testing/stub-nodes.ts';
import { startServer } from '../../../packages/server/src/start/start-server.ts';
import { testNodes } from './test-nodes.ts';

await startServer(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  createHost: (config = {}) => {
    const outputDir = resolve(config.outputDir ?? 'out');
    const registry = new NodeRegistry([...builtinNodes, ...stubNodes, ...testNodes(outputDir)]);
    return {
      engine: new Engine({ registry }),
      registry,
      comfyMap: {},
      config: {
        modelsDir: resolve(config.modelsDir ?? 'models'),
        inputDir: resolve(config.inputDir ?? 'input'),
        outputDir,
        tempDir: resolve('temp'),
        device: 'cpu',
        threads: 1,
      },
    };
  },
});
