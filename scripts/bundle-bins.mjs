/**
 * The second half of `npm run build`: after `tsc -b` has written every package's dist/, bundles the
 * command-line entry points (run-graph, loom-compare) with esbuild into one file each, under
 * packages/server/dist/bundle/. A cold `run-graph` imported about 400 modules (@loom/* and zod's
 * ~95 files), and Node spends more time finding, reading and compiling them one by one than running
 * them: importing the unbundled CLI cost ~0.85 s of CPU, the bundle ~0.33 s (bench/cold-start).
 *
 * Only @loom/* and zod are bundled; every other package stays an import, resolved from node_modules
 * at run time as before (native addons such as onnxruntime-node and sharp cannot be bundled, and
 * CommonJS packages keep their own `require`). Each source's `import.meta.url` is rewritten to the URL
 * of its unbundled dist/ file, so data files found relative to a module (the ONNX schema, tokenizer
 * files, worker entry points) resolve exactly as they do unbundled.
 *
 * A bundle can go stale: a later `tsc -b` (tests, an editor) rebuilds dist/ without re-bundling. So
 * the manifest records each package's build-info mtime, and bin/launch.js uses a bundle only while
 * all of them match; otherwise it falls back to dist/, which is always current.
 */
import { build } from 'esbuild';
import { readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const server = `${root}packages/server/`;
const outDir = `${server}dist/bundle/`;
/** Entry points as bin/launch.js names them (dist/<path>.js). */
const ENTRIES = ['cli/run-graph', 'cli/compare'];
/** The build infos whose mtimes say whether dist/ changed since bundling (paths relative to outDir). */
const BUILD_INFOS = ['engine', 'nodes', 'server'].map((p) => `../../../${p}/dist/tsconfig.tsbuildinfo`);

/** Bundles @loom/* and zod; leaves every other bare import to node_modules. */
const externals = {
  name: 'loom-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (/^(@loom\/|zod(\/|$))/.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

/** Rewrites `import.meta.url` in each @loom/* dist file to that file's own URL, relative to the bundle. */
const metaUrl = (outfile) => ({
  name: 'loom-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]packages[\\/]\w+[\\/]dist[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const own = `new URL(${JSON.stringify(relative(dirname(outfile), args.path).split('\\').join('/'))}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', own), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
});

await rm(outDir, { recursive: true, force: true });
for (const entry of ENTRIES) {
  const outfile = `${outDir}${entry}.js`;
  await build({
    entryPoints: [`${server}dist/${entry}.js`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['loom-dist'],
    logLevel: 'warning',
    plugins: [externals, metaUrl(outfile)],
  });
}
const builds = {};
for (const info of BUILD_INFOS) builds[info] = (await stat(new URL(info, pathToFileURL(outDir)))).mtimeMs;
await mkdir(outDir, { recursive: true });
await writeFile(`${outDir}manifest.json`, `${JSON.stringify({ entries: ENTRIES, builds }, null, 2)}\n`);
console.log(`bundled ${ENTRIES.join(', ')} into ${relative(root, outDir)}`);
