/**
 * A module the engine package may not import. Its tsconfig maps each forbidden module here, so `tsc -b`
 * fails: the error below names the rule wherever this file is pulled in, and a composite project also reports
 * this file as "not listed within the file list of project" at the offending import.
 * Forbidden in engine: onnxruntime-node, @loom/nodes or @loom/server: the engine is pure graph logic, usable in the browser and without onnxruntime.
 * The same rule is in eslint.config.js (no-restricted-imports), which names the import in its message.
 */
export const forbidden: 'the engine package may not import onnxruntime-node, @loom/nodes or @loom/server' = 'imported';
