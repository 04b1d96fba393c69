/**
 * A module the nodes package may not import. Its tsconfig maps each forbidden module here, so `tsc -b`
 * fails: the error below names the rule wherever this file is pulled in, and a composite project also reports
 * this file as "not listed within the file list of project" at the offending import.
 * Forbidden in nodes: @loom/server: the node pack is used by the server, never the reverse.
 * The same rule is in eslint.config.js (no-restricted-imports), which names the import in its message.
 */
export const forbidden: 'the nodes package may not import @loom/server' = 'imported';
