/**
 * `loom-worker --redis URL`: joins a scale-out cluster and runs its prompts on this machine's models
 * and device until stopped. SIGINT/SIGTERM let the running prompt finish; a second signal exits at
 * once (the server then requeues the prompt, at the front, when the worker's heartbeats stop).
 */
import { DEVICE_CHOICES, type DeviceChoice } from '@loom/nodes';
import { cfgBatchOf, hostFlagProblems } from '../cli/host-options.ts';
import { parseDaemonArgs, refuse, stopOnSignals, type DaemonOutput } from '../start/daemon-cli.ts';
import { LoomWorker } from './loom-worker.ts';
import { ThreadEngine } from './thread-engine.ts';

const USAGE = `Usage: loom-worker --redis URL [options]

Takes prompts from a Loom server started with --redis and runs them here.

Options:
  --redis URL        Redis, e.g. redis://10.0.0.5:6379 (required; also $LOOM_REDIS)
  --models DIR       models folder (default ./models, or $LOOM_MODELS)
  --device D         ${DEVICE_CHOICES.join('|')} (default auto)
  --threads N        onnxruntime intra-op threads (default: onnxruntime's choice)
  --cfg-batch B      joint|split: split runs CFG's two UNet passes as separate calls,
                     about half the peak memory at large latents (default joint)
  --out DIR          local output folder; files are streamed to the server (default ./out)
  --input DIR        local input folder; uploads arrive with each prompt (default ./input)
  --name ID          worker id, unique in the cluster (default <hostname>-<pid>)
  --prefix P         Redis key prefix (default loom, as the server's)
  --dead-after-ms N  a worker whose heartbeats stop this long is presumed dead and its prompt
                     requeued at the front (default 2000; it heartbeats every N/4)
  --lock-ms N        backstop for a worker cut off from Redis: BullMQ re-runs its job after this
                     long without a lock renewal (default 30000)
  --stalled-ms N     how often queues are checked for such jobs (default 5000)
  -h, --help         this help`;

export interface WorkerEnvironment extends DaemonOutput {
  /**
   * The module (file URL) and export that build the host inside the engine thread, with
   * `createHost`'s signature; tests name one with stub nodes.
   */
  hostModule: string;
  hostExport: string;
}

// The host module beside this one: host.ts run as TypeScript, host.js in the build (dist/).
const defaults: WorkerEnvironment = {
  hostModule: new URL(import.meta.url.endsWith('.ts') ? '../host.ts' : '../host.js', import.meta.url).href,
  hostExport: 'createHost',
  out: (l) => console.log(l),
  err: (l) => console.error(l),
};

/** Starts a worker from command-line flags; null after --help or a usage error. */
export async function startWorker(argv: string[], env: WorkerEnvironment = defaults): Promise<LoomWorker | null> {
  const values = parseDaemonArgs(argv, OPTIONS, USAGE, env);
  if (!values) return null;
  const url = values.redis ?? process.env.LOOM_REDIS;
  const numbers = {
    threads: Number(values.threads),
    deadAfterMs: Number(values['dead-after-ms']),
    lockMs: Number(values['lock-ms']),
    stalledMs: Number(values['stalled-ms']),
  };
  const device = values.device as DeviceChoice;
  const problems = [
    url ? '' : '--redis URL is required (or set LOOM_REDIS).',
    ...hostFlagProblems(values),
    Number.isInteger(numbers.deadAfterMs) && numbers.deadAfterMs >= 1000
      ? ''
      : `--dead-after-ms must be a whole number ≥ 1000 (got "${values['dead-after-ms']}").`,
    Number.isInteger(numbers.lockMs) && numbers.lockMs >= 500 ? '' : `--lock-ms must be a whole number ≥ 500 (got "${values['lock-ms']}").`,
    Number.isInteger(numbers.stalledMs) && numbers.stalledMs >= 100 ? '' : `--stalled-ms must be a whole number ≥ 100 (got "${values['stalled-ms']}").`,
    values.name === undefined || /^[A-Za-z0-9_.-]{1,64}$/.test(values.name) ? '' : '--name must be 1-64 letters, digits or _ . -',
  ].filter(Boolean);
  if (problems.length > 0) {
    refuse(problems, USAGE, env);
    return null;
  }
  const config = {
    outputDir: values.out,
    inputDir: values.input,
    device,
    threads: numbers.threads,
    cfgBatch: cfgBatchOf(values),
    ...(values.models !== undefined && { modelsDir: values.models }),
  };
  let engine: ThreadEngine;
  try {
    engine = await ThreadEngine.start({ module: env.hostModule, export: env.hostExport, config }, env.err);
  } catch (err) {
    env.err(`Cannot start the engine: ${(err as Error).message}`);
    process.exitCode = 1;
    return null;
  }
  const worker = new LoomWorker({
    url: url as string,
    engine,
    deadAfterMs: numbers.deadAfterMs,
    lockMs: numbers.lockMs,
    stalledIntervalMs: numbers.stalledMs,
    log: env.err,
    ...(values.name !== undefined && { id: values.name }),
    ...(values.prefix !== undefined && { prefix: values.prefix }),
  });
  try {
    await worker.start();
  } catch (err) {
    env.err(`Cannot join the cluster at ${url}: ${(err as Error).message}`);
    await engine.close();
    process.exitCode = 2;
    return null;
  }
  env.out(`Loom worker ${worker.id} is taking prompts from ${url} (models: ${engine.config.modelsDir}, device: ${device}).`);
  stopOnSignals('Stopping after the running prompt (signal again to exit now)…', () => worker.close(), env);
  return worker;
}

const OPTIONS = {
  redis: { type: 'string' },
  models: { type: 'string' },
  device: { type: 'string', default: 'auto' },
  threads: { type: 'string', default: '0' },
  'cfg-batch': { type: 'string', default: 'joint' },
  out: { type: 'string', default: 'out' },
  input: { type: 'string', default: 'input' },
  name: { type: 'string' },
  prefix: { type: 'string' },
  'dead-after-ms': { type: 'string', default: '2000' },
  'lock-ms': { type: 'string', default: '30000' },
  'stalled-ms': { type: 'string', default: '5000' },
  help: { type: 'boolean', short: 'h' },
} as const;
