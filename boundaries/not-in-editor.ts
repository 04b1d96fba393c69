/**
 * A module the editor package may not import. Its tsconfig maps each forbidden module here, so `tsc -b`
 * fails: the error below names the rule wherever this file is pulled in, and a composite project also reports
 * this file as "not listed within the file list of project" at the offending import.
 * Forbidden in editor: @loom/nodes, @loom/server and onnxruntime-node. The editor runs in the browser:
 * it takes values from @loom/engine/browser and only types from @loom/engine (that half of the rule is
 * ESLint's alone: no-restricted-imports with allowTypeImports, in eslint.config.js).
 */
export const forbidden: 'the editor package may not import onnxruntime-node, @loom/nodes or @loom/server' = 'imported';
