/**
 * `loom-server` / `npm start`: the API, the ComfyUI-compatible endpoints and the built editor on one
 * port. Loopback by default; a non-loopback `--host` needs `--token` (or LOOM_TOKEN).
 */
import { DEVICE_CHOICES, type DeviceChoice } from '@loom/nodes';
import { createServer, type LoomServer } from '../create-server.ts';
import { createHost } from '../host.ts';
import { cfgBatchOf, hostFlagProblems } from '../cli/host-options.ts';
import { parseHost } from '../http/host-allow-list.ts';
import { parseDaemonArgs, refuse, stopOnSignals, type DaemonOutput } from './daemon-cli.ts';
import { createRedisBackend, type RedisBackend } from '../redis/create-redis-backend.ts';
import type { ServerHost } from '../server-context.ts';

const USAGE = `Usage: loom-server [options]     (or: npm start -- [options])

Serves Loom's API, ComfyUI-compatible endpoints and the editor on one port.

Options:
  --port N        port (default 8188, like ComfyUI; 0 picks a free one)
  --host ADDR     bind address (default 127.0.0.1). Anything but loopback requires --token
  --token T       require this token on every request (also $LOOM_TOKEN)
  --allowed-host NAME
                  also accept requests whose Host is NAME (or NAME:PORT); repeatable. Loopback names
                  and the bound address are always accepted, any other Host gets 403 (DNS rebinding)
  --models DIR    models folder (default ./models, or $LOOM_MODELS)
  --out DIR       output folder (default ./out)
  --input DIR     uploads for LoadImage (default ./input)
  --data DIR      queue and history (default ./.loom)
  --graphs DIR    graph templates (default ./graphs)
  --device D      ${DEVICE_CHOICES.join('|')} (default auto)
  --threads N     onnxruntime intra-op threads (default: onnxruntime's choice)
  --cfg-batch B   joint|split: split runs CFG's two UNet passes as separate calls,
                  about half the peak memory at large latents (default joint)
  --redis URL     scale out: queue and history in Redis, prompts run by \`loom-worker --redis URL\` processes
  --affinity A    with --redis: cost (default) routes prompts to workers with their pipeline loaded when
                  waiting beats loading it; off gives each prompt to the first idle worker
  -h, --help      this help`;

export interface StartEnvironment extends DaemonOutput {
  /** Builds the host; tests pass one with stub nodes. */
  createHost: (config: Parameters<typeof createHost>[0]) => ServerHost;
}

const defaults: StartEnvironment = { createHost, out: (l) => console.log(l), err: (l) => console.error(l) };

/** Starts the server from command-line flags. Resolves with the running server, or null after --help or a usage error. */
export async function startServer(argv: string[], env: StartEnvironment = defaults): Promise<LoomServer | null> {
  const values = parseDaemonArgs(argv, OPTIONS, USAGE, env);
  if (!values) return null;
  const port = Number(values.port);
  const threads = Number(values.threads);
  const device = values.device as DeviceChoice;
  const problems = [
    !Number.isInteger(port) || port < 0 || port > 65535 ? `--port must be 0-65535 (got "${values.port}").` : '',
    ...hostFlagProblems(values),
    ...(values['allowed-host'] ?? []).filter((h) => parseHost(h) === null).map((h) => `--allowed-host must be a host name, address or host:port (got "${h}").`),
    values.affinity === 'cost' || values.affinity === 'off' ? '' : `--affinity must be cost or off (got "${values.affinity}").`,
  ].filter(Boolean);
  if (problems.length > 0) {
    refuse(problems, USAGE, env);
    return null;
  }
  const token = values.token ?? process.env.LOOM_TOKEN;
  const host = env.createHost({
    outputDir: values.out,
    inputDir: values.input,
    device,
    threads,
    cfgBatch: cfgBatchOf(values),
    ...(values.models !== undefined && { modelsDir: values.models }),
  });
  let backend: RedisBackend | undefined;
  if (values.redis !== undefined) {
    try {
      backend = await createRedisBackend({ url: values.redis, registry: host.registry, dirs: host.config, affinity: values.affinity === 'cost', log: env.err });
    } catch (err) {
      env.err(`Cannot use Redis at ${values.redis}: ${(err as Error).message}`);
      process.exitCode = 2;
      return null;
    }
  }
  const server = await createServer({
    host,
    dataDir: values.data,
    templatesDir: values.graphs,
    allowedHosts: values['allowed-host'] ?? [],
    ...(token ? { token } : {}),
    ...(backend && { queue: backend.queue, history: backend.history }),
    log: env.err,
  });
  let url: string;
  try {
    ({ url } = await server.listen(port, values.host));
  } catch (err) {
    await server.close();
    env.err((err as Error).message);
    process.exitCode = 2;
    return null;
  }
  env.out(`Loom is running at ${url}/${token ? '?token=<your token>' : ''}`);
  if (values.redis !== undefined) env.out(`Queue and history in Redis at ${values.redis}; prompts run on workers: loom-worker --redis ${values.redis}`);
  env.out(`ComfyUI clients: ${url} (HTTP) and ${url.replace(/^http/, 'ws')}/ws (WebSocket). Data: ${server.context.history.size} finished prompts on record.`);
  stopOnSignals('Shutting down…', () => server.close(), env);
  return server;
}

const OPTIONS = {
  port: { type: 'string', default: '8188' },
  host: { type: 'string', default: '127.0.0.1' },
  token: { type: 'string' },
  'allowed-host': { type: 'string', multiple: true },
  models: { type: 'string' },
  out: { type: 'string', default: 'out' },
  input: { type: 'string', default: 'input' },
  data: { type: 'string', default: '.loom' },
  graphs: { type: 'string', default: 'graphs' },
  device: { type: 'string', default: 'auto' },
  threads: { type: 'string', default: '0' },
  'cfg-batch': { type: 'string', default: 'joint' },
  redis: { type: 'string' },
  affinity: { type: 'string', default: 'cost' },
  help: { type: 'boolean', short: 'h' },
} as const;
