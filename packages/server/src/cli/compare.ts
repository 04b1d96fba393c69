/**
 * `loom-compare graph.json`: runs a graph that holds a ComparisonGrid node, with its axes from the
 * command line, and reports what the comparison cost: cells, model loads (sessions created, counted
 * by the object store) and text encodings (TextEncoder runs vs cache hits). The grid node writes the
 * cell PNGs (`r{rank:02d}-{index:04d}.png`), grid.png and README.md. Exit codes as run-graph.
 */
import { basename } from 'node:path';
import { Engine, LoomError, applySetting, isLink, type EngineEvent, type Graph } from '@loom/engine';
import { CountingObjectStore, DEVICE_CHOICES, gridResultOf, planGrid, safetySummary, type GridPlan, type GridResult, type Variant } from '@loom/nodes';
import { EXIT, loadGraph, requireValid } from './host-options.ts';
import { graphFileArg, printFailure, runExitCode, startCli, withCancellation, type CliFlags, type CliIo } from './cli-scaffold.ts';
import { CellClock, describePlan, overLimit } from './compare-estimate.ts';
import { loraPatternOf, parseIntList, parseVariant, rankVariants, type VariantArg } from './compare-args.ts';

const USAGE = `Usage: loom-compare <graph.json> [options]

Runs a graph with a ComparisonGrid node (e.g. graphs/compare-*.json): the same prompts × seeds for
every variant, saved as img/r{rank:02d}-{index:04d}.png, grid.png and README.md under --out.

Axes (each replaces the graph's own):
  --variant SPEC       a column LABEL[@RANK][:NAME=VALUE,...]; repeatable. NAME is a grid input:
                       lora, strength, sampler, cfg, steps, seed, prompt, promptSeed.
                       e.g. --variant base@0:strength=0 --variant r8@8:lora=x/pytorch_lora_weights_8.safetensors
  --ranks LIST         the seed's columns: 0 = base (strength 0), N = the LoRA at rank N, e.g. 0,4,8,16
  --lora-pattern P     LoRA file for --ranks with {rank} in it (default: from the graph's LoRA name)
  --prompts N          N prompt-library prompts: prompt seeds P … P+N−1
  --prompt-seed P      first prompt seed for --prompts (default 0)
  --prompt TEXT        a literal prompt row; repeatable
  --seeds LIST         seeds per prompt: 1,2,3 or 100-109
  --node ID            the ComparisonGrid node (default: the only one)
  --max-cells N        refuse a comparison of more than N cells (default 1000)

Run options:
  --out DIR            output folder (default ./out)
  --set NODE.INPUT=V   set any parameter; repeatable
  --models DIR         models folder (default ./models, or $LOOM_MODELS)
  --device D           ${DEVICE_CHOICES.join('|')} (default auto)
  --threads N          onnxruntime intra-op threads (default: onnxruntime's choice)
  --cfg-batch B        joint|split: split runs CFG's two UNet passes as separate calls,
                       about half the peak memory at large latents (default joint)
  --json               print the summary as JSON on stdout
  --quiet              no progress lines
  -h, --help           this help`;

export interface CompareSummary {
  cells: number;
  columns: number;
  rows: number;
  seconds: number;
  /** Sessions created, per model file (plain and LoRA-switching). */
  modelLoads: Record<string, number>;
  textEncodings: { computed: number; reused: number };
  /** SafetyRetry attempts per cell; absent when the graph has no SafetyRetry. */
  safetyAttempts?: { file: string; attempts: number }[];
  files: string[];
}

export async function compareCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const start = startCli(argv, OPTIONS, USAGE, io);
  if (typeof start === 'number') return start;
  const { values, positionals, host } = start;
  const file = graphFileArg(positionals, USAGE, io);
  if (typeof file === 'number') return file;
  const objects = new CountingObjectStore(host.engine.objects.budgetBytes);
  const engine = new Engine({ registry: host.registry, objects });
  let graph: Graph;
  let gridId: string;
  let grid: GridPlan;
  try {
    graph = await loadGraph(file, { ...host, validate: (d) => engine.validate(d) }, values.set);
    gridId = findGrid(graph, values.node);
    for (const [name, value] of Object.entries(axes(graph, gridId, values)))
      graph = applySetting(graph, host.registry, `${gridId}.${name}=${JSON.stringify(value)}`);
    // Validated again with the axes in: every LoRA a cell needs is checked before the first cell.
    const plan = requireValid(file, engine.validate(graph));
    grid = gridPlanOf(plan.nodes.get(gridId)?.literals ?? {});
    const maxCells = Number(values['max-cells']);
    if (!Number.isInteger(maxCells) || maxCells < 1) throw new LoomError('USAGE', `--max-cells must be a whole number ≥ 1 (got "${values['max-cells']}").`);
    const tooBig = overLimit(grid, maxCells);
    if (tooBig !== undefined) throw new LoomError('USAGE', tooBig);
  } catch (err) {
    return printFailure(io, err, EXIT.invalid);
  }
  if (!values.quiet) io.stderr.write(`${describePlan(grid, (b) => stepsOf(graph, gridId, b))}\n`);
  const clock = new CellClock(grid.cells.length);

  const encodings = { computed: 0, reused: 0 };
  const tty = io.stderr.isTTY === true && !values.quiet;
  const onEvent = (event: EngineEvent): void => {
    if (event.type === 'node.started' && event.nodeType === 'TextEncoder') encodings.computed++;
    if (event.type === 'node.cached' && event.nodeType === 'TextEncoder') encodings.reused++;
    if (values.quiet || values.json) return;
    if (event.type !== 'node.log') return;
    // The grid logs "cell i of N: <variant>, row r" before each cell.
    if (event.level === 'info' && event.nodeId === gridId) {
      const pace = /^cell \d+ of/.test(event.message) ? clock.started() : '';
      const line = pace === '' ? event.message : `${event.message} (${pace})`;
      io.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    }
    if (event.level === 'warn') io.stderr.write(`${tty ? '\n' : ''}warning [${event.nodeId}]: ${event.message}\n`);
  };
  const started = performance.now();
  try {
    const result = await withCancellation(io, (signal) => engine.run(graph, { signal, onEvent, targets: [gridId] }));
    if (tty) io.stderr.write('\n');
    const { cells, written, files } = gridResultOf(result.ui[gridId], host.config.outputDir);
    const summary: CompareSummary = {
      cells: cells.length,
      columns: new Set(cells.map((c) => c.variant)).size,
      rows: new Set(cells.map((c) => c.row)).size,
      seconds: (performance.now() - started) / 1000,
      modelLoads: Object.fromEntries(Object.entries(objects.loads().byModel).map(([path, n]) => [shortModel(path, host.config.modelsDir), n])),
      textEncodings: encodings,
      ...(cells.some((c) => c.safetyAttempts !== undefined) && { safetyAttempts: cells.map((c) => ({ file: c.file, attempts: c.safetyAttempts ?? 1 })) }),
      files,
    };
    if (values.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
    else io.stdout.write(describe(summary, written));
    return EXIT.ok;
  } catch (err) {
    if (tty) io.stderr.write('\n');
    return printFailure(io, err, runExitCode(err));
  }
}

const OPTIONS = {
  variant: { type: 'string' as const, multiple: true as const, default: [] as string[] },
  ranks: { type: 'string' as const },
  'lora-pattern': { type: 'string' as const },
  prompts: { type: 'string' as const },
  'prompt-seed': { type: 'string' as const, default: '0' },
  prompt: { type: 'string' as const, multiple: true as const, default: [] as string[] },
  seeds: { type: 'string' as const },
  node: { type: 'string' as const },
  'max-cells': { type: 'string' as const, default: '1000' },
};

function findGrid(graph: Graph, wanted: string | undefined): string {
  const grids = Object.entries(graph.nodes)
    .filter(([, n]) => n.type === 'ComparisonGrid')
    .map(([id]) => id);
  if (wanted !== undefined) {
    if (!grids.includes(wanted))
      throw new LoomError('USAGE', `--node ${wanted}: the graph has no ComparisonGrid node "${wanted}" (it has: ${grids.join(', ') || 'none'}).`);
    return wanted;
  }
  if (grids.length !== 1)
    throw new LoomError(
      'USAGE',
      grids.length === 0
        ? 'The graph has no ComparisonGrid node; start from graphs/compare-*.json.'
        : `The graph has several ComparisonGrid nodes (${grids.join(', ')}); choose one with --node.`,
    );
  return grids[0] as string;
}

/** The grid parameters the command line sets. */
function axes(graph: Graph, gridId: string, values: CliFlags<typeof OPTIONS>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const variants: VariantArg[] = values.variant.map(parseVariant);
  if (values.ranks !== undefined) {
    const pattern = values['lora-pattern'] ?? loraPatternOf(String(sourceValue(graph, gridId, 'lora') ?? ''));
    if (pattern === undefined) throw new LoomError('USAGE', '--ranks needs --lora-pattern (the graph’s LoRA name does not end in _<rank>.safetensors).');
    const loader = Object.values(graph.nodes).find((n) => n.type === 'ModelLoader');
    const stem = String(loader?.inputs.pipeline ?? 'base');
    variants.push(...rankVariants(parseIntList(values.ranks, '--ranks'), pattern, stem));
  }
  if (variants.length > 0) out.variants = variants;
  const prompts: (string | number)[] = [...values.prompt];
  if (values.prompts !== undefined) {
    const n = Number(values.prompts);
    const first = Number(values['prompt-seed']);
    if (!Number.isInteger(n) || n < 1 || !Number.isInteger(first) || first < 0)
      throw new LoomError('USAGE', `--prompts needs a count ≥ 1 and --prompt-seed a seed ≥ 0 (got ${values.prompts}, ${values['prompt-seed']}).`);
    prompts.push(...Array.from({ length: n }, (_, i) => first + i));
  }
  if (prompts.length > 0) out.prompts = prompts;
  if (values.seeds !== undefined) out.seeds = parseIntList(values.seeds, '--seeds');
  return out;
}

/** The grid's cells from its parsed parameters (the schema has checked them: the typed boundary). */
function gridPlanOf(literals: Record<string, unknown>): GridPlan {
  return planGrid((literals.variants ?? []) as Variant[], (literals.prompts ?? []) as (string | number)[], (literals.seeds ?? []) as number[]);
}

/** Sampler steps of one cell: its binding, the value feeding the grid's `steps`, or the sampler's own. */
function stepsOf(graph: Graph, gridId: string, bindings: Record<string, unknown>): number | undefined {
  const sampler = Object.values(graph.nodes).find((n) => n.type === 'UNetSampler');
  const steps = bindings.steps ?? sourceValue(graph, gridId, 'steps') ?? sampler?.inputs.steps ?? (sampler && 20);
  return typeof steps === 'number' ? steps : undefined;
}

/** The literal value of the node that feeds one of the grid's linked inputs (e.g. the LoRA name String). */
function sourceValue(graph: Graph, gridId: string, input: string): unknown {
  const link = graph.nodes[gridId]?.inputs[input];
  return isLink(link) ? graph.nodes[link.node]?.inputs.value : undefined;
}

function shortModel(path: string, modelsDir: string): string {
  return path.startsWith(modelsDir) ? path.slice(modelsDir.length + 1) : basename(path);
}

function describe(s: CompareSummary, written: GridResult['written']): string {
  const loads = Object.entries(s.modelLoads)
    .map(([model, n]) => `${model} ${n}`)
    .join(', ');
  return [
    `${s.cells} cells (${s.columns} variants × ${s.rows} rows) in ${s.seconds.toFixed(1)} s`,
    `model loads: ${Object.values(s.modelLoads).reduce((a, b) => a + b, 0)} sessions (${loads})`,
    `text encodings: ${s.textEncodings.computed} computed, ${s.textEncodings.reused} reused from the cache`,
    safetySummary(s.safetyAttempts),
    written === undefined ? 'nothing written (save is off)' : `wrote ${written.grid}, ${written.readme} and ${s.cells} images in ${written.cellFolder}`,
    '',
  ].join('\n');
}
