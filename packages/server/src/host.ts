/**
 * The host: one engine with the built-in utility nodes and the Stable Diffusion node pack, configured
 * for a models folder, an output folder and a device. The CLI and the server both start from here, and a
 * ComfyUI alias naming a missing node or input stops them here.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Engine, NodeRegistry, assertComfyMap, builtinNodes, type ComfyMap } from '@loom/engine';
import { createNodePack, type NodePackConfig } from '@loom/nodes';

export interface Host {
  engine: Engine;
  registry: NodeRegistry;
  comfyMap: ComfyMap;
  config: NodePackConfig;
}

export function createHost(config: Partial<NodePackConfig> = {}): Host {
  const full: NodePackConfig = {
    modelsDir: resolve(config.modelsDir ?? process.env.LOOM_MODELS ?? 'models'),
    outputDir: resolve(config.outputDir ?? 'out'),
    inputDir: resolve(config.inputDir ?? 'input'),
    tempDir: resolve(config.tempDir ?? join(tmpdir(), 'loom-temp')),
    device: config.device ?? 'auto',
    threads: config.threads ?? 0,
    cacheDir: config.cacheDir ?? resolve('.loom', 'ort-cache'),
    ...(config.precision !== undefined && { precision: config.precision }),
    ...(config.cfgBatch !== undefined && { cfgBatch: config.cfgBatch }),
    ...((config.builtCacheDir ?? process.env.LOOM_CACHE_DIR) ? { builtCacheDir: resolve((config.builtCacheDir ?? process.env.LOOM_CACHE_DIR)!) } : {}),
  };
  const pack = createNodePack(full);
  const registry = new NodeRegistry([...builtinNodes, ...pack.nodes]);
  assertComfyMap(pack.comfyMap, registry, '@loom/nodes comfy-aliases.ts');
  return { engine: new Engine({ registry }), registry, comfyMap: pack.comfyMap, config: full };
}
