/**
 * How a bin finds its code.
 *
 * `@loom/*` packages export their TypeScript source by default and their build (`dist/`, written by
 * `npm run build`, which `npm ci` runs) under the custom condition `loom-dist`. Source is the default
 * so that everything that runs TypeScript (tsx, the tests, scripts, Vite, tsc) sees the code in the
 * tree with no flag to remember and no stale build to trip on; the bins opt into the build through
 * their shebang (`node --conditions=loom-dist`), which npx and npm's Windows shims both honour.
 *
 * So a bin started by npx runs prebuilt JavaScript, with no TypeScript loader at run time, and for the
 * command-line tools one bundled file where the build has it (dist/bundle/, written by
 * scripts/bundle-bins.mjs, which says why and how a stale bundle is detected). Started as
 * `node packages/server/bin/<bin>.js` (no condition: `@loom/engine` resolves to a .ts file), it runs
 * the source through tsx instead, as it did before there was a build. A bin that wants the build but
 * finds none says so on one line and exits 1.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';

/**
 * Imports `<path>` of this package (e.g. `cli/run-graph`): `dist/<path>.js` when the process resolves
 * `@loom/*` to their builds, else `src/<path>.ts` through tsx.
 * @param {string} path
 * @returns {Promise<Record<string, unknown>>}
 */
export async function load(path) {
  let engine;
  try {
    engine = import.meta.resolve('@loom/engine');
  } catch {
    return missingBuild(); // the loom-dist condition points at a dist/ that is not there
  }
  if (engine.endsWith('.ts')) {
    const { register } = await import('tsx/esm/api');
    register();
    return import(new URL(`../src/${path}.ts`, import.meta.url).href);
  }
  const built = bundled(path) ?? new URL(`../dist/${path}.js`, import.meta.url);
  if (!existsSync(built)) return missingBuild();
  return import(built.href);
}

/**
 * `dist/bundle/<path>.js` when the bundle was made from the dist/ there now (every package's build info
 * has the mtime the manifest recorded), else undefined. `bin` is this folder (a parameter for tests).
 * @param {string} path
 * @param {URL} [bin]
 * @returns {URL | undefined}
 */
export function bundled(path, bin = new URL('./', import.meta.url)) {
  const manifestUrl = new URL('../dist/bundle/manifest.json', bin);
  try {
    /** @type {{ entries: string[]; builds: Record<string, number> }} */
    const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8'));
    if (!manifest.entries.includes(path)) return undefined;
    for (const [info, mtimeMs] of Object.entries(manifest.builds)) if (statSync(new URL(info, manifestUrl)).mtimeMs !== mtimeMs) return undefined;
    return new URL(`../dist/bundle/${path}.js`, bin);
  } catch {
    return undefined; // no bundle (or a damaged manifest): dist/ serves
  }
}

/** @returns {never} */
function missingBuild() {
  process.stderr.write('Loom is not built (packages/*/dist is missing): run `npm run build` in the Loom folder, then try again.\n');
  process.exit(1);
}
