/**
 * What every Loom command line shares: exit codes, the host options (--out, --models, --device,
 * --threads, --set, --json, --quiet, --help), their checks, and reading a graph file with the --set
 * values applied by each parameter's schema.
 */
import { LoomError, applySetting, type Graph, type NodeRegistry, type Plan, type ValidationResult } from '@loom/engine';
import { DEVICE_CHOICES, type DeviceChoice, type NodePackConfig } from '@loom/nodes';
import type { Host } from '../host.ts';
import { readGraphFile } from '../graph-file.ts';

export const EXIT = { ok: 0, failed: 1, invalid: 2, interrupted: 130 } as const;

/** `parseArgs` options common to run-graph and loom-compare. */
export const HOST_OPTIONS = {
  out: { type: 'string' as const, default: 'out' },
  set: { type: 'string' as const, multiple: true as const, default: [] as string[] },
  models: { type: 'string' as const },
  device: { type: 'string' as const, default: 'auto' },
  threads: { type: 'string' as const, default: '0' },
  'cfg-batch': { type: 'string' as const, default: 'joint' },
  json: { type: 'boolean' as const, default: false },
  quiet: { type: 'boolean' as const, default: false },
  help: { type: 'boolean' as const, short: 'h', default: false },
};

const CFG_BATCHES = ['joint', 'split'] as const;

/** Problems with `--device`, `--threads` and `--cfg-batch`, one line each (empty when all are fine); every command takes them. */
export function hostFlagProblems(values: { device: string; threads: string; 'cfg-batch'?: string | undefined }): string[] {
  const threads = Number(values.threads);
  const cfgBatch = values['cfg-batch'] ?? 'joint';
  return [
    DEVICE_CHOICES.includes(values.device as DeviceChoice) ? '' : `--device must be one of ${DEVICE_CHOICES.join(', ')} (got "${values.device}").`,
    Number.isInteger(threads) && threads >= 0 ? '' : `--threads must be a whole number ≥ 0 (got "${values.threads}").`,
    (CFG_BATCHES as readonly string[]).includes(cfgBatch) ? '' : `--cfg-batch must be one of ${CFG_BATCHES.join(', ')} (got "${cfgBatch}").`,
  ].filter(Boolean);
}

/** The `--cfg-batch` setting of options that passed {@link hostFlagProblems}. */
export function cfgBatchOf(values: { 'cfg-batch'?: string | undefined }): (typeof CFG_BATCHES)[number] {
  return (values['cfg-batch'] ?? 'joint') as (typeof CFG_BATCHES)[number];
}

/** The host settings the options ask for; throws a USAGE error naming the bad options. */
export function hostSettings(values: {
  out: string;
  models?: string | undefined;
  device: string;
  threads: string;
  'cfg-batch'?: string | undefined;
}): Partial<NodePackConfig> {
  const problems = hostFlagProblems(values);
  if (problems.length > 0) throw new LoomError('USAGE', problems.join('\n'));
  return {
    outputDir: values.out,
    device: values.device as DeviceChoice,
    threads: Number(values.threads),
    cfgBatch: cfgBatchOf(values),
    ...(values.models !== undefined && { modelsDir: values.models }),
  };
}

/** Reads, validates and applies `--set` values; throws VALIDATION_FAILED listing every problem. */
export async function loadGraph(
  file: string,
  host: Pick<Host, 'registry' | 'comfyMap'> & { validate(document: unknown): ValidationResult },
  settings: readonly string[],
): Promise<Graph> {
  const checked = requireValid(file, host.validate(await readGraphFile(file, host.registry, host.comfyMap)));
  return settings.reduce((graph, setting) => applySetting(graph, host.registry as NodeRegistry, setting), checked.graph);
}

/** The plan of a valid graph; otherwise a VALIDATION_FAILED error listing every problem. */
export function requireValid(file: string, checked: ValidationResult): Plan {
  if (checked.ok) return checked.plan;
  const lines = checked.problems.map((p) => `  - ${p.message}`).join('\n');
  throw new LoomError('VALIDATION_FAILED', `${file}: invalid graph (${checked.problems.length} problem(s)):\n${lines}`, { problems: checked.problems });
}
