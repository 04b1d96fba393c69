/**
 * What the long-running commands (`loom-server`, `loom-worker`) share: strict flag parsing with --help
 * and exit code 2 on usage errors (their host flags are checked by host-options.ts, as run-graph's are),
 * and stopping cleanly on SIGINT/SIGTERM (a second signal exits at once).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a daemon writes: `out` for what it is doing, `err` for problems and logs. */
export interface DaemonOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

type Options = NonNullable<ParseArgsConfig['options']>;
/** The values `parseArgs` gives for `options`, typed by their declarations. */
type DaemonFlags<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: O }>>['values'];

/**
 * The parsed flags, or null after `--help` (usage printed) or a usage error (message and usage printed,
 * `process.exitCode` 2). `options` must declare `help`.
 */
export function parseDaemonArgs<O extends Options>(argv: string[], options: O, usage: string, io: DaemonOutput): DaemonFlags<O> | null {
  let values: DaemonFlags<O>;
  try {
    values = parseArgs({ args: argv, strict: true as const, allowPositionals: false as const, options }).values;
  } catch (err) {
    refuse([(err as Error).message], usage, io);
    return null;
  }
  if ((values as { help?: boolean }).help) {
    io.out(usage);
    return null;
  }
  return values;
}

/** Prints every problem and the usage; exit code 2. */
export function refuse(problems: string[], usage: string, io: DaemonOutput): void {
  io.err(`${problems.join('\n')}\n\n${usage}`);
  process.exitCode = 2;
}

/**
 * On the first SIGINT/SIGTERM: says `message` and awaits `close()`, then exits 0. A second signal
 * exits 1 at once, for a close that waits too long (a running prompt).
 */
export function stopOnSignals(message: string, close: () => Promise<void>, io: DaemonOutput): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    io.err(message);
    close()
      .catch((err: unknown) => io.err(`Error while stopping: ${(err as Error).message}`))
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
