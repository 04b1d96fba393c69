/**
 * `npm run findings -- [--grid DIR] [--prompts N] [--resolution M] [--results FILE]`: the seed's four
 * findings measured on loom-tiny (measure.ts), written beside the comparison `npm run demo` just made:
 * DIR/FINDINGS.md, DIR/findings/*.png (one picture strip per finding) and DIR/findings.json.
 * `--results tools/loom-tiny/findings/results.json` also refreshes the committed results the README's
 * table is generated from (`npm run gen:readme`). Exit codes: 0 written, 1 failed, 2 bad arguments.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXIT, hostSettings } from '../../../packages/server/src/cli/host-options.ts';
import { findingsMarkdown, STRIPS } from './markdown.ts';
import { measureFindings, PROMPT_FORMS, ROUTES } from './measure.ts';
import { pictureStrip } from './strip.ts';

const USAGE = `Usage: npm run findings -- [options]

  --grid DIR        the comparison's folder (default out/loom-tiny, where npm run demo writes)
  --prompts N       held-out prompts for the prompt finding (default 6)
  --resolution M    held-out prompts rendered at 2× three ways (default 4)
  --results FILE    also write the results JSON there (tools/loom-tiny/findings/results.json feeds the README)
  --models DIR      models folder (default ./models or $LOOM_MODELS)
  --threads N       onnxruntime intra-op threads
  -h, --help        this help`;

/** Pictures per strip row. */
const STRIP_COLUMNS = 5;

export async function findingsCli(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        grid: { type: 'string', default: 'out/loom-tiny' },
        prompts: { type: 'string', default: '6' },
        resolution: { type: 'string', default: '4' },
        results: { type: 'string' },
        models: { type: 'string' },
        threads: { type: 'string', default: '0' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
    for (const name of ['prompts', 'resolution'] as const)
      if (!/^\d+$/.test(values[name]) || Number(values[name]) < 1) throw new Error(`--${name} must be a whole number ≥ 1 (got "${values[name]}").`);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return EXIT.invalid;
  }
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  try {
    const folder = resolve(values.grid);
    const { result, pictures } = await measureFindings({
      gridFolder: folder,
      prompts: Number(values.prompts),
      resolutionPrompts: Number(values.resolution),
      promptLibrary: fileURLToPath(new URL('../../../prompts.json', import.meta.url)),
      host: hostSettings({ out: folder, models: values.models, threads: values.threads, device: 'cpu' }),
      onProgress: (text) => io.stderr.write(`${text}\n`),
    });
    const strips = join(folder, 'findings');
    rmSync(strips, { recursive: true, force: true });
    mkdirSync(strips, { recursive: true });
    const first = <T>(items: readonly T[]): T[] => items.slice(0, STRIP_COLUMNS);
    const shortLabels = (labels: string[]): string[] => first(labels).map((l) => l.replace(/^(small|large) /, '').replace(/,.*$/, ''));
    const gridRows = first(pictures.grid.get(0) ?? []);
    const columns = gridRows.map((_, i) => `row ${i}`);
    const top = result.rank[result.rank.length - 1]?.rank ?? 0;
    writeFileSync(join(strips, STRIPS.prompts), await pictureStrip([...PROMPT_FORMS], shortLabels(pictures.promptLabels), pictures.prompts.map(first)));
    writeFileSync(join(strips, STRIPS.baseModel), await pictureStrip(['base', `LoRA rank ${top}`], columns, [gridRows, first(pictures.grid.get(top) ?? [])]));
    writeFileSync(
      join(strips, STRIPS.rank),
      await pictureStrip(
        result.rank.map((g) => `rank ${g.rank}`),
        columns,
        result.rank.map((g) => first(pictures.grid.get(g.rank) ?? [])),
      ),
    );
    writeFileSync(
      join(strips, STRIPS.resolution),
      await pictureStrip(
        ROUTES.map((r) => r.label),
        shortLabels(pictures.resolutionLabels),
        pictures.resolution.map(first),
      ),
    );
    const json = `${JSON.stringify(result, null, 1)}\n`;
    writeFileSync(join(folder, 'findings.json'), json);
    writeFileSync(join(folder, 'FINDINGS.md'), findingsMarkdown(result, './findings'));
    if (values.results) writeFileSync(resolve(values.results), json);
    io.stdout.write(
      `findings in ${result.seconds.toFixed(1)} s: wrote ${relative(process.cwd(), join(folder, 'FINDINGS.md'))}, findings.json and ${Object.keys(STRIPS).length} strips in ${relative(process.cwd(), strips)}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    return EXIT.failed;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = await findingsCli(process.argv.slice(2));
