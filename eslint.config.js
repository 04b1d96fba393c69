/**
 * ESLint (flat config): JavaScript's and typescript-eslint's recommended rules (not the type-aware set,
 * which would type-check the tree a second time; `tsc -b` does that), and the import boundaries
 * between packages. The same boundaries are in each package's tsconfig (see boundaries/), so both
 * `npm run lint` and `npm run typecheck` fail on a wrong-way import; ESLint's message says why.
 */
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * A boundary: `name` (and its subpaths) may not be imported by the package the rule is for, nor the
 * sources of a forbidden `@loom/<package>` by a relative path (`../../server/src/…`), which tsc's
 * `paths` cannot see.
 */
const forbid = (names, why) => ({
  paths: names.map((name) => ({ name, message: why })),
  patterns: [
    ...names.map((name) => ({ group: [`${name}/*`], message: why })),
    ...names.filter((name) => name.startsWith('@loom/')).map((name) => ({ regex: `^(\\.\\./)+(packages/)?${name.slice('@loom/'.length)}/src/`, message: why })),
  ],
});

const engineRule = forbid(
  ['onnxruntime-node', '@loom/nodes', '@loom/server'],
  'The engine is pure graph logic (it also runs in the browser): node implementations and runtimes belong in @loom/nodes.',
);
const nodesRule = forbid(['@loom/server'], 'The node pack is used by the server, never the reverse: move the shared code to @loom/nodes or @loom/engine.');
const editorRule = forbid(
  ['onnxruntime-node', '@loom/nodes', '@loom/server'],
  'The editor runs in the browser: it gets node types from the server (/loom/api/catalog), values from @loom/engine/browser and types from @loom/engine.',
);
editorRule.paths.push({
  name: '@loom/engine',
  allowTypeImports: true,
  message: "@loom/engine's main entry loads Node modules: import values from '@loom/engine/browser' (use `import type` for types).",
});

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/dist/', 'out/', 'models/', 'tools/loom-tiny/work/', '.loom/', 'test/e2e/screenshots/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_`-prefixed names are deliberately unused (a required parameter, a skipped tuple slot).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  { files: ['packages/editor/src/**'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['packages/engine/**'], rules: { '@typescript-eslint/no-restricted-imports': ['error', engineRule] } },
  { files: ['packages/nodes/**'], rules: { '@typescript-eslint/no-restricted-imports': ['error', nodesRule] } },
  { files: ['packages/editor/src/**'], rules: { '@typescript-eslint/no-restricted-imports': ['error', editorRule] } },
);
