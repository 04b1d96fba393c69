/**
 * A scale-out cluster of real processes for tests: redis-server, one API server (`--redis`) and
 * workers (`loom-worker`), each worker with its own models, output and input folders, as on separate
 * machines. Workers run with the default timings (2 s heartbeat TTL, 30 s BullMQ lock), so a killed
 * worker's prompt comes back through heartbeat detection, as it does for users.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisProcess } from './redis-process.ts';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

export interface Proc {
  child: ChildProcess;
  output: () => string;
}

/**
 * Spawns `node --import tsx <script>` and waits for a line matching `ready`. Startup compiles the
 * server (and a worker's engine thread) with tsx: on a loaded 2-core machine that alone can take
 * half a minute, hence the generous limit.
 */
export async function spawnEntry(script: string, args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<Proc & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never left running behind a failed start
      reject(new Error(`${script} did not start within 120 s: ${text}`));
    }, 120_000);
    const check = (): void => {
      const m = ready.exec(text);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      resolve(m);
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}): ${text}`));
    });
  });
  return { child, output: () => text, match };
}

export async function stop(proc: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill(signal);
  await exited;
}

export interface WorkerSpec {
  name: string;
  /** Stub pipeline folders in this worker's models folder. */
  models: string[];
  /** How long a cold load of each of them takes (ms; default 0). */
  loadMs?: Record<string, number>;
}

export class Cluster {
  readonly root = mkdtempSync(join(tmpdir(), 'loom-scaleout-'));
  readonly workers = new Map<string, Proc>();
  readonly #specs = new Map<string, WorkerSpec>();
  server: Proc | null = null;
  url = '';

  private constructor(
    readonly redis: RedisProcess,
    /** Extra `loom-server` flags, e.g. `--affinity off`. */
    readonly serverArgs: string[],
  ) {}

  static async start(workers: WorkerSpec[], serverArgs: string[] = []): Promise<Cluster> {
    const cluster = new Cluster(await RedisProcess.start(), serverArgs);
    try {
      await cluster.startServer();
      // Settled, not all: every worker that did start must be in the map for close() to stop it.
      const started = await Promise.allSettled(workers.map((w) => cluster.startWorker(w)));
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  dir(...parts: string[]): string {
    const path = join(this.root, ...parts);
    mkdirSync(path, { recursive: true });
    return path;
  }

  async startServer(): Promise<void> {
    const args = [
      '--port',
      '0',
      '--redis',
      this.redis.url,
      '--data',
      this.dir('server', 'data'),
      '--out',
      this.dir('server', 'out'),
      '--input',
      this.dir('server', 'input'),
      '--models',
      this.dir('server', 'models'),
      '--graphs',
      this.dir('server', 'graphs'),
      ...this.serverArgs,
    ];
    const proc = await spawnEntry(here('./stub-server.ts'), args, /Loom is running at (http:\/\/[^/\s]+)/);
    this.server = proc;
    this.url = proc.match[1] as string;
  }

  async startWorker(spec: WorkerSpec): Promise<void> {
    this.#specs.set(spec.name, spec);
    const models = this.dir(`worker-${spec.name}`, 'models');
    for (const model of spec.models) {
      mkdirSync(join(models, model), { recursive: true });
      writeFileSync(
        join(models, model, 'model_index.json'),
        JSON.stringify({ _class_name: 'StableDiffusionPipeline', loom_stub_load_ms: spec.loadMs?.[model] ?? 0 }),
      );
    }
    const args = [
      '--redis',
      this.redis.url,
      '--name',
      spec.name,
      '--models',
      models,
      '--out',
      this.dir(`worker-${spec.name}`, 'out'),
      '--input',
      this.dir(`worker-${spec.name}`, 'input'),
      '--device',
      'cpu',
    ];
    this.workers.set(spec.name, await spawnEntry(here('./stub-worker.ts'), args, /is taking prompts/, { LOOM_TEST_WORKER: spec.name }));
  }

  async killWorker(name: string): Promise<void> {
    const proc = this.workers.get(name);
    if (proc) await stop(proc, 'SIGKILL');
    this.workers.delete(name);
  }

  /** Starts a killed worker again with its folders (its outputs from before are still there). */
  async restartWorker(name: string): Promise<void> {
    const spec = this.#specs.get(name);
    if (!spec) throw new Error(`no worker ${name}`);
    await this.startWorker(spec);
  }

  /** Everything the processes printed, for a failing assertion's message. */
  logs(): string {
    return [['server', this.server] as const, ...[...this.workers].map(([n, p]) => [`worker ${n}`, p] as const)]
      .map(([n, p]) => `--- ${n}\n${p?.output() ?? ''}`)
      .join('\n');
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => stop(w, 'SIGKILL')));
    if (this.server) await stop(this.server, 'SIGKILL');
    await this.redis.dispose();
    rmSync(this.root, { recursive: true, force: true });
  }
}
