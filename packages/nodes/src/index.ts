/** @loom/nodes: the Stable Diffusion node pack on onnxruntime-node. */
import type { AnyNodeDefinition, ComfyMap } from '@loom/engine';
import type { NodePackConfig } from './pack-config.ts';

export * from './pack-config.ts';

export interface NodePack {
  nodes: AnyNodeDefinition[];
  /** Aliases for ComfyUI's core node names. */
  comfyMap: ComfyMap;
}

export function createNodePack(_config: NodePackConfig): NodePack {
  return { nodes: [], comfyMap: {} };
}
