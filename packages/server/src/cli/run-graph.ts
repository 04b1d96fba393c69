/**
 * `run-graph graph.json`: runs a graph headless. Exit codes: 0 success, 1 run failed, 2 invalid graph
 * or usage, 130 interrupted (Ctrl-C cancels the run; output files are only ever renamed into place).
 */
import { join } from 'node:path';
import { LoomError, exportComfyPrompt, exportComfyWorkflow, type EngineEvent, type Graph, type UiPayload } from '@loom/engine';
import { DEVICE_CHOICES } from '@loom/nodes';
import { createHost } from '../host.ts';
import { EXIT, loadGraph } from './host-options.ts';
import { graphFileArg, printFailure, runExitCode, startCli, withCancellation, type CliIo } from './cli-scaffold.ts';
import { createProgressDisplay } from './progress-display.ts';
import { planOf } from './progress-estimate.ts';

export { EXIT } from './host-options.ts';

const USAGE = `Usage: run-graph <graph.json> [options]

Runs a Loom graph (native, ComfyUI API format, or a ComfyUI UI workflow as saved by "Save") and writes
its outputs.

Options:
  --out DIR            where output files go (default ./out)
  --set NODE.INPUT=V   set a parameter; repeatable; parsed by that parameter's schema
  --models DIR         models folder (default ./models, or $LOOM_MODELS)
  --device D           ${DEVICE_CHOICES.join('|')} (default auto: best available, else CPU)
  --threads N          onnxruntime intra-op threads (default: onnxruntime's choice)
  --cfg-batch B        joint|split: split runs CFG's two UNet passes as separate calls,
                       about half the peak memory at large latents (default joint)
  --json               newline-delimited JSON events on stdout, for scripts
  --quiet              no progress, info or warnings; only written files and errors
  --list-nodes         list the node types this build knows
  --export FORMAT      print the graph (with --set applied) as loom, comfy-api or comfy-ui JSON
                       instead of running it
  -h, --help           this help

Exit codes: 0 success, 1 run failed, 2 invalid graph or usage, 130 interrupted.`;

export interface CliEnvironment extends CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Builds the host; tests substitute one with extra node types. */
  createHost: typeof createHost;
}

const defaultEnvironment: CliEnvironment = { stdout: process.stdout, stderr: process.stderr, createHost };

export async function runGraphCli(argv: string[], io: CliEnvironment = defaultEnvironment): Promise<number> {
  const start = startCli(argv, OPTIONS, USAGE, io, io.createHost);
  if (typeof start === 'number') return start;
  const { values, positionals, host } = start;
  if (values['list-nodes']) {
    for (const node of host.registry.catalog().nodes) io.stdout.write(`${node.type.padEnd(24)} ${node.category.padEnd(22)} ${node.description}\n`);
    return EXIT.ok;
  }
  const file = graphFileArg(positionals, USAGE, io);
  if (typeof file === 'number') return file;

  const json = values.json === true;
  const report = (line: string): void => void (json ? io.stderr : io.stdout).write(`${line}\n`);
  const fail = (err: unknown, code: number): number => {
    const error = err instanceof LoomError ? err : new LoomError('NODE_FAILED', String((err as Error)?.message ?? err));
    if (json) io.stdout.write(`${JSON.stringify({ type: 'error', error: error.toJSON() })}\n`);
    return printFailure(io, error, code);
  };

  let graph: Graph;
  try {
    graph = await loadGraph(file, { ...host, validate: (d) => host.engine.validate(d) }, values.set);
  } catch (err) {
    return fail(err, EXIT.invalid);
  }

  if (values.export !== undefined) {
    const exported = exportGraph(graph, values.export, host);
    if (exported === undefined) {
      io.stderr.write(`--export must be one of ${EXPORT_FORMATS.join(', ')} (got "${values.export}").\n`);
      return EXIT.invalid;
    }
    io.stdout.write(`${JSON.stringify(exported, null, 2)}\n`);
    return EXIT.ok;
  }

  const display = values.quiet || json ? undefined : createProgressDisplay(io.stderr, io.stderr.isTTY === true, { plan: planOf(graph) });
  const onEvent = (event: EngineEvent): void => {
    // --quiet shows nothing but errors and the written files: no progress, no node info or warnings.
    if (json) io.stdout.write(`${JSON.stringify(jsonEvent(event))}\n`);
    display?.onEvent(event);
  };
  try {
    const result = await withCancellation(io, (signal) => host.engine.run(graph, { signal, onEvent }));
    display?.clear();
    for (const ui of Object.values(result.ui)) for (const line of describeOutputs(ui, host.config.outputDir)) report(line);
    return EXIT.ok;
  } catch (err) {
    display?.clear();
    return fail(err, runExitCode(err));
  }
}

const OPTIONS = {
  'list-nodes': { type: 'boolean', default: false },
  export: { type: 'string' },
} as const;

const EXPORT_FORMATS = ['loom', 'comfy-api', 'comfy-ui'] as const;

/** The graph in another format; ComfyUI formats use ComfyUI's class names where an alias exists. */
function exportGraph(graph: Graph, format: string, host: ReturnType<typeof createHost>): unknown {
  const options = { map: host.comfyMap };
  if (format === 'loom') {
    // What a ComfyUI client sent (meta.comfy) describes the original document, not this one.
    const { comfy: _sent, ...meta } = graph.meta ?? {};
    return { ...graph, meta };
  }
  if (format === 'comfy-api') return exportComfyPrompt(graph, host.registry, options);
  if (format === 'comfy-ui') return exportComfyWorkflow(graph, host.registry, options);
  return undefined;
}

/** Events as JSON lines; binary previews are replaced by their size. */
function jsonEvent(event: EngineEvent): unknown {
  if (event.type === 'node.progress' && event.preview) {
    return { ...event, preview: { mime: event.preview.mime, bytes: event.preview.data.byteLength } };
  }
  return event;
}

/** Written files (ComfyUI's `{filename, subfolder, type}` entries) as paths, and shown texts. */
function describeOutputs(ui: UiPayload, outputDir: string): string[] {
  const lines: string[] = [];
  for (const [kind, items] of Object.entries(ui)) {
    for (const item of items) {
      if (typeof item === 'object' && item !== null && 'filename' in item) {
        const { filename, subfolder } = item as { filename: string; subfolder?: string };
        lines.push(`wrote ${join(outputDir, subfolder ?? '', filename)}`);
      } else if (kind === 'text') {
        lines.push(String(item));
      }
    }
  }
  return lines;
}
