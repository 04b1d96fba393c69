/**
 * The scaffolding `run-graph` and `loom-compare` share: flag parsing with the host options, --help and
 * usage errors (exit 2), the host built from those options, the one graph-file argument, failures
 * printed with their exit code, and Ctrl-C/SIGTERM as cancellation of the run (a second press quits at
 * once with 130).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LoomError } from '@loom/engine';
import type { NodePackConfig } from '@loom/nodes';
import { createHost, type Host } from '../host.ts';
import { EXIT, HOST_OPTIONS, hostSettings } from './host-options.ts';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

type Options = NonNullable<ParseArgsConfig['options']>;
/** The values `parseArgs` gives for the host options plus `options`, typed by their declarations. */
export type CliFlags<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof HOST_OPTIONS & O }>>['values'];

export interface CliStart<O extends Options> {
  values: CliFlags<O>;
  positionals: string[];
  host: Host;
}

/**
 * Parses `argv` (the host options plus the command's own `options`) and builds the host; an exit code
 * instead after --help (usage on stdout, 0) or a usage error (message and usage on stderr, 2).
 */
export function startCli<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
  io: CliIo,
  makeHost: (config: Partial<NodePackConfig>) => Host = createHost,
): CliStart<O> | number {
  let parsed: { values: CliFlags<O>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true as const, options: { ...HOST_OPTIONS, ...options } });
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    return EXIT.invalid;
  }
  const { values, positionals } = parsed;
  // The host options are in every CliFlags<O>; TypeScript cannot see that through the generic.
  const hostFlags = values as unknown as { help: boolean; out: string; models?: string; device: string; threads: string; 'cfg-batch': string };
  if (hostFlags.help) {
    io.stdout.write(`${usage}\n`);
    return EXIT.ok;
  }
  try {
    return { values, positionals, host: makeHost(hostSettings(hostFlags)) };
  } catch (err) {
    return printFailure(io, err, EXIT.invalid);
  }
}

/** The one graph file the command takes, or exit 2 with what is wrong and the usage. */
export function graphFileArg(positionals: string[], usage: string, io: CliIo): string | number {
  const [file, ...extra] = positionals;
  if (file !== undefined && extra.length === 0) return file;
  return printFailure(io, `${file === undefined ? 'No graph file given.' : `Unexpected arguments: ${extra.join(' ')}`}\n\n${usage}`, EXIT.invalid);
}

/** Writes the failure's message to stderr and returns `code`. */
export function printFailure(io: CliIo, err: unknown, code: number): number {
  io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  return code;
}

/** The exit code for an error a run threw: 130 cancelled, 2 invalid graph, 1 any other failure. */
export function runExitCode(err: unknown): number {
  if (err instanceof LoomError && err.code === 'CANCELLED') return EXIT.interrupted;
  if (err instanceof LoomError && err.code === 'VALIDATION_FAILED') return EXIT.invalid;
  return EXIT.failed;
}

/**
 * Runs `work` with Ctrl-C and SIGTERM aborting its signal (the engine then stops between nodes or
 * sampler steps and throws CANCELLED); a second press exits at once with 130.
 */
export async function withCancellation<T>(io: CliIo, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    io.stderr.write('\nCancelling… (press Ctrl-C again to quit immediately)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
