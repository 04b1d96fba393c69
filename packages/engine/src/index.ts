/** @loom/engine: graph model, validation, executor, caches and events. Depends on zod only. */
export * from './errors.ts';
export * from './port-types.ts';
export * from './node.ts';
export * from './graph.ts';
export * from './registry.ts';
export * from './validate.ts';
export * from './events.ts';
export * from './executor.ts';
export * from './output-cache.ts';
export * from './object-cache.ts';
export * from './comfy.ts';
export * from './comfy-workflow.ts';
export * from './comfy-workflow-export.ts';
export * from './comfy-origin.ts';
export * from './canonical.ts';
export * from './param-input.ts';
export { builtinNodes, MAX_SEED } from './builtins/index.ts';
export * from './graph-json-schema.ts';
