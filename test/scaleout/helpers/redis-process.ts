/**
 * A real redis-server child process on a free loopback port, with the persistence settings the README
 * documents (append-only file, fsync every second, no RDB snapshots), which tests stop and restart.
 * Without redis-server a test skips with a clear message, unless LOOM_REQUIRE_SYSTEM_DEPS=1 (CI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export function findRedisServer(): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin']) {
    const path = join(dir, 'redis-server');
    if (dir && existsSync(path)) return path;
  }
  return null;
}

/** The reason to skip, or null when redis-server is there. Throws when system deps are required. */
export function redisMissing(): string | null {
  if (findRedisServer()) return null;
  const message = 'redis-server is not installed (Debian: apt-get install redis-server); skipping the scale-out tests.';
  if (process.env.LOOM_REQUIRE_SYSTEM_DEPS === '1') throw new Error(`${message} LOOM_REQUIRE_SYSTEM_DEPS=1 requires it.`);
  return message;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class RedisProcess {
  #child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'loom-redis-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisProcess> {
    const redis = new RedisProcess(await freePort());
    await redis.#spawn();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async #spawn(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--daemonize',
      'no',
    ];
    const child = spawn(findRedisServer() as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${out}`));
      });
    });
  }

  /** Stops Redis (SIGTERM: it flushes the append-only file first). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.#child = null;
  }

  /** Stops and starts Redis on the same port and data folder. */
  async restart(downMs = 300): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.#spawn();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
