/**
 * `@loom/engine/browser`: the parts of the engine a web page may load (no Node built-ins anywhere
 * below them). The editor imports ComfyUI's prompt and workflow converters and the link rule from
 * here, so one implementation serves the server, `run-graph` and the editor.
 */
export { importComfyPrompt, isComfyPrompt, type NodeShapes } from './comfy.ts';
export type { ComfyMap, ComfyNodeMapping } from './comfy-map.ts';
export { importComfyWorkflow, isComfyWorkflow } from './comfy-workflow.ts';
export { portAccepts } from './port-types.ts';
