/**
 * The real Loom server as a child process (`loom-server`), on an ephemeral loopback port, with the
 * embedded tiny models and a fresh temporary folder for outputs, uploads, queue/history and templates.
 * A child process keeps model inference off the test's event loop, which drives the browser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './build-editor.ts';

export interface LoomProcess {
  url: string;
  dirs: { root: string; out: string; input: string; data: string; graphs: string };
  /** Everything the server printed (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts the server with `templates` copied from the repo's graphs/ into its template folder. */
export async function startLoom(templates: string[]): Promise<LoomProcess> {
  const root = mkdtempSync(join(tmpdir(), 'loom-e2e-'));
  const dirs = { root, out: join(root, 'out'), input: join(root, 'input'), data: join(root, 'data'), graphs: join(root, 'graphs') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  for (const name of templates) copyFileSync(join(REPO, 'graphs', `${name}.json`), join(dirs.graphs, `${name}.json`));
  const args = [
    'packages/server/bin/loom-server.js',
    '--port',
    '0',
    '--device',
    'cpu',
    '--threads',
    '1',
    '--models',
    join(REPO, 'models'),
    '--out',
    dirs.out,
    '--input',
    dirs.input,
    '--data',
    dirs.data,
    '--graphs',
    dirs.graphs,
  ];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`loom-server did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /Loom is running at (http:\/\/[^/\s]+)/.exec(output);
      if (found?.[1]) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`loom-server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    dirs,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
